using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Connect.Runtime;

namespace Platform.Connect.Rest;

/// <summary>
/// Kafka Connect's REST API on ASP.NET Core minimal APIs: the same paths, JSON shapes, status codes and error bodies
/// (<c>{"error_code": 404, "message": ...}</c>), so curl scripts and Connect tooling work unchanged.
/// </summary>
public sealed partial class ConnectRestServer : IAsyncDisposable
{
    private readonly ConnectHerder _herder;
    private readonly ILoggerFactory _loggerFactory;
    private WebApplication? _app;

    /// <summary>A server over <paramref name="herder"/>.</summary>
    public ConnectRestServer(ConnectHerder herder, ILoggerFactory loggerFactory)
    {
        _herder = herder;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The base URL it listens on, once started.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Starts listening on <paramref name="listen"/> (host:port; port 0 picks one).</summary>
    public async Task StartAsync(string listen, CancellationToken cancellationToken = default)
    {
        if (!WorkerOptions.TryParseEndpoint(listen, out var host, out var port))
        {
            throw new ArgumentException($"--rest-listen '{listen}' is not host:port.", nameof(listen));
        }

        // Its settings are read once: a reloading appsettings.json would watch the working directory recursively
        // (a broker's ./data included) and take an inotify event per append.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Services.AddSingleton(_loggerFactory);
        builder.WebHost.UseUrls($"http://{host}:{port}");
        var app = builder.Build();
        app.Use(HandleErrorsAsync);
        MapRoutes(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        _loggerFactory.CreateLogger<ConnectRestServer>().LogRestListening(Url);
    }

    private static async Task HandleErrorsAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
            if (context.Response.StatusCode == 404 && !context.Response.HasStarted && context.GetEndpoint() is null)
            {
                await WriteErrorAsync(context, 404, "HTTP 404 Not Found").ConfigureAwait(false);
            }
            else if (context.Response.StatusCode == 405 && !context.Response.HasStarted)
            {
                await WriteErrorAsync(context, 405, "HTTP 405 Method Not Allowed").ConfigureAwait(false);
            }
        }
        catch (ConnectRestException e)
        {
            await WriteErrorAsync(context, e.StatusCode, e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException or InvalidOperationException { Source: "System.Text.Json" })
        {
            await WriteErrorAsync(context, 400, $"Invalid request body: {e.Message}").ConfigureAwait(false);
        }
        catch (Exception e) when (e is Config.ConfigException or ArgumentException)
        {
            await WriteErrorAsync(context, 400, e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await WriteErrorAsync(context, 500, e.Message).ConfigureAwait(false);
        }
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(new JsonObject { ["error_code"] = status, ["message"] = message }.ToJsonString());
    }

    private static IResult Json(JsonNode node, int status = 200) => Results.Text(node.ToJsonString(), "application/json", statusCode: status);

    private static async Task<JsonNode?> BodyAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new ConnectRestException(400, $"Invalid JSON in the request body: {e.Message}");
        }
    }

    private static bool Flag(HttpRequest request, string name)
        => request.Query.TryGetValue(name, out var values) && bool.TryParse(values.ToString(), out var b) && b;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
