using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.Connect.Runtime;
using Platform.Connect.Storage;

namespace Platform.Connect.Rest;

public sealed partial class ConnectRestServer
{
    private void MapRoutes(IEndpointRouteBuilder app)
    {
        var h = _herder;
        app.MapGet("/", async (CancellationToken cancellationToken) => Json(await h.ServerInfoAsync(cancellationToken).ConfigureAwait(false)));

        app.MapGet("/connectors", (HttpRequest request) =>
        {
            var expand = request.Query["expand"].Select(v => v ?? "").ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (expand.Count == 0)
            {
                return Json(new JsonArray([.. h.ConnectorNames().Select(n => (JsonNode)n)]));
            }

            var result = new JsonObject();
            foreach (var name in h.ConnectorNames())
            {
                var entry = new JsonObject();
                if (expand.Contains("status"))
                {
                    entry["status"] = h.Status(name);
                }

                if (expand.Contains("info"))
                {
                    entry["info"] = h.Info(name);
                }

                result[name] = entry;
            }

            return Json(result);
        });

        app.MapPost("/connectors", async (HttpRequest request) =>
        {
            var body = await BodyAsync(request).ConfigureAwait(false);
            var name = body?["name"]?.GetValue<string>() ?? throw new ConnectRestException(400, "The request body needs a \"name\".");
            var config = ConnectHerder.StringMap(body["config"], "\"config\"");
            var info = await h.CreateAsync(name, config, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return Json(info, 201);
        });

        app.MapGet("/connectors/{name}", (string name) => Json(h.Info(name)));
        app.MapGet("/connectors/{name}/config", (string name) => Json(ConnectHerder.ToJson(h.Get(name).Properties)));
        app.MapPut("/connectors/{name}/config", async (string name, HttpRequest request) =>
        {
            var config = ConnectHerder.StringMap(await BodyAsync(request).ConfigureAwait(false), "The connector config");
            var created = await h.PutConfigAsync(name, config, null, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return Json(h.Info(name), created ? 201 : 200);
        });

        app.MapDelete("/connectors/{name}", async (string name, HttpRequest request) =>
        {
            await h.DeleteAsync(name, null, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return Results.NoContent();
        });

        app.MapGet("/connectors/{name}/status", (string name) => Json(h.Status(name)));
        app.MapGet("/connectors/{name}/tasks", (string name) => Json(h.Tasks(name)));
        app.MapGet("/connectors/{name}/tasks/{task:int}/status", (string name, int task) => Json(h.TaskStatus(name, task)));

        app.MapPost("/connectors/{name}/restart", async (string name, HttpRequest request) =>
        {
            var includeTasks = Flag(request, "includeTasks");
            var onlyFailed = Flag(request, "onlyFailed");
            await h.RestartAsync(new RestartRequest(name, null, includeTasks, onlyFailed), request.HttpContext.RequestAborted).ConfigureAwait(false);
            return includeTasks || onlyFailed ? Json(h.Status(name), 202) : Results.NoContent();
        });

        app.MapPost("/connectors/{name}/tasks/{task:int}/restart", async (string name, int task, HttpRequest request) =>
        {
            await h.RestartAsync(new RestartRequest(name, task, false, false), request.HttpContext.RequestAborted).ConfigureAwait(false);
            return Results.NoContent();
        });

        app.MapPut("/connectors/{name}/pause", async (string name, HttpRequest request) =>
        {
            await h.SetTargetStateAsync(name, TargetState.Paused, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return Results.Accepted();
        });

        app.MapPut("/connectors/{name}/resume", async (string name, HttpRequest request) =>
        {
            await h.SetTargetStateAsync(name, TargetState.Started, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return Results.Accepted();
        });

        app.MapPut("/connectors/{name}/stop", async (string name, HttpRequest request) =>
        {
            await h.SetTargetStateAsync(name, TargetState.Stopped, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return Results.NoContent();
        });

        app.MapGet("/connectors/{name}/offsets", async (string name, HttpRequest request)
            => Json(await h.OffsetsAsync(name, request.HttpContext.RequestAborted).ConfigureAwait(false)));
        app.MapMethods("/connectors/{name}/offsets", ["PATCH"], async (string name, HttpRequest request)
            => Json(await h.AlterOffsetsAsync(name, await BodyAsync(request).ConfigureAwait(false), request.HttpContext.RequestAborted).ConfigureAwait(false)));
        app.MapDelete("/connectors/{name}/offsets", async (string name, HttpRequest request)
            => Json(await h.ResetOffsetsAsync(name, request.HttpContext.RequestAborted).ConfigureAwait(false)));

        app.MapGet("/connector-plugins", (HttpRequest request)
            => Json(h.PluginList(!request.Query.TryGetValue("connectorsOnly", out var only) || !bool.TryParse(only.ToString(), out var b) || b)));
        app.MapPut("/connector-plugins/{plugin}/config/validate", async (string plugin, HttpRequest request)
            => Json(h.ValidatePlugin(plugin, ConnectHerder.StringMap(await BodyAsync(request).ConfigureAwait(false), "The connector config"))));
        app.MapGet("/connector-plugins/{plugin}/config", (string plugin) => Json(h.PluginConfig(plugin)));
        app.MapGet("/connector-plugins/{plugin}/config/schema", (string plugin) => Json(h.PluginSchema(plugin)));
    }
}
