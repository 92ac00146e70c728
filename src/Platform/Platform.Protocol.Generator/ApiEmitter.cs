namespace Platform.Protocol.Generator;

/// <summary>Emits <c>ApiKey.g.cs</c> and <c>ApiMessages.g.cs</c> from the request and response specs.</summary>
internal static class ApiEmitter
{
    public static string EmitApiKey(IReadOnlyList<(MessageSpec Request, MessageSpec Response)> apis)
    {
        var code = new CodeBuilder();
        code.Line(MessageEmitter.Header);
        code.Line("/// <summary>Kafka's API keys.</summary>");
        code.Open("public enum ApiKey : short");
        foreach (var (request, _) in apis)
        {
            code.Line($"{MessageEmitter.ApiName(request.Name)} = {request.ApiKey},");
        }

        code.Close();
        return code.ToString();
    }

    public static string EmitApiMessages(IReadOnlyList<(MessageSpec Request, MessageSpec Response)> apis)
    {
        var code = new CodeBuilder();
        code.Line(MessageEmitter.Header);
        code.Line("/// <summary>Per API key: the valid versions, the first flexible versions, and message factories.</summary>");
        code.Open("public static class ApiMessages");
        Switch(code, "short", "LowestVersion", "-1", apis, a => a.Request.ValidVersions.Low.ToString());
        Switch(code, "short", "HighestVersion", "-1", apis, a => a.Request.ValidVersions.High.ToString());
        Switch(code, "short", "RequestFirstFlexibleVersion", "-1", apis, a => FirstFlexible(a.Request));
        Switch(code, "short", "ResponseFirstFlexibleVersion", "-1", apis, a => FirstFlexible(a.Response));
        const string Unknown = "throw new ArgumentOutOfRangeException(nameof(apiKey), apiKey, \"Unknown API key.\")";
        Switch(code, "IRequestMessage", "CreateRequest", Unknown, apis, a => $"new {a.Request.Name}()");
        Switch(code, "IResponseMessage", "CreateResponse", Unknown, apis, a => $"new {a.Response.Name}()");
        code.Line("/// <summary>Whether <paramref name=\"version\"/> is a valid version of <paramref name=\"apiKey\"/>.</summary>");
        code.Line("public static bool IsSupported(ApiKey apiKey, short version) => version >= LowestVersion(apiKey) && version <= HighestVersion(apiKey) && version >= 0;");
        code.Close();
        return code.ToString();
    }

    private static string FirstFlexible(MessageSpec message)
        => message.FlexibleVersions.IsNone ? "-1" : message.FlexibleVersions.Low.ToString();

    private static void Switch(
        CodeBuilder code,
        string type,
        string method,
        string fallback,
        IReadOnlyList<(MessageSpec Request, MessageSpec Response)> apis,
        Func<(MessageSpec Request, MessageSpec Response), string> value)
    {
        code.Line($"public static {type} {method}(ApiKey apiKey) => apiKey switch");
        code.Open();
        foreach (var api in apis)
        {
            code.Line($"ApiKey.{MessageEmitter.ApiName(api.Request.Name)} => {value(api)},");
        }

        code.Line($"_ => {fallback},");
        code.Close(";");
        code.Line();
    }
}
