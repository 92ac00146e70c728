using System.Globalization;
using System.Text.Json.Nodes;
using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Platform.Connect.Plugins;
using Platform.Connect.Rest;

namespace Platform.Connect.Runtime;

public sealed partial class ConnectHerder
{
    /// <summary><c>GET /connector-plugins</c>: connectors, and with <paramref name="connectorsOnly"/> false also transformations, predicates and converters.</summary>
    public JsonArray PluginList(bool connectorsOnly)
    {
        var result = new JsonArray();
        foreach (var type in _plugins.Connectors)
        {
            result.Add((JsonNode)new JsonObject
            {
                ["class"] = PluginRegistry.PluginName(type),
                ["type"] = PluginRegistry.PluginType(type),
                ["version"] = PluginRegistry.Create<Connector>(type).Version,
            });
        }

        if (!connectorsOnly)
        {
            foreach (var (types, kind) in new[] { (_plugins.Transformations, "transformation"), (_plugins.Predicates, "predicate"), (_plugins.Converters, "converter") })
            {
                foreach (var type in types)
                {
                    result.Add((JsonNode)new JsonObject
                    {
                        ["class"] = PluginRegistry.PluginName(type),
                        ["type"] = kind,
                        ["version"] = type.Assembly.GetName().Version?.ToString() ?? "0.0.0",
                    });
                }
            }
        }

        return result;
    }

    /// <summary><c>PUT /connector-plugins/{plugin}/config/validate</c>: Kafka's ConfigInfos of a configuration.</summary>
    public JsonObject ValidatePlugin(string plugin, IReadOnlyDictionary<string, string> config)
    {
        var type = ResolvePlugin(plugin);
        var full = new Dictionary<string, string>(config, StringComparer.Ordinal);
        if (!full.TryGetValue(ConnectorConfig.ConnectorClass, out var given))
        {
            full[ConnectorConfig.ConnectorClass] = PluginRegistry.PluginName(type);
        }
        else if (_plugins.ResolveConnector(given) != type)
        {
            throw new ConnectRestException(400, $"connector.class '{given}' in the body does not match the plugin '{plugin}' in the URL.");
        }

        var result = _validator.Validate(full);
        var configs = new JsonArray();
        var order = 0;
        var groups = new List<string>();
        foreach (var value in result.Values)
        {
            var key = result.Definitions.Find(value.Name);
            if (key?.Group is { } group && !groups.Contains(group))
            {
                groups.Add(group);
            }

            configs.Add((JsonNode)new JsonObject
            {
                ["definition"] = key is null ? null : Definition(key, ++order),
                ["value"] = new JsonObject
                {
                    ["name"] = value.Name,
                    ["value"] = value.Value,
                    ["recommended_values"] = new JsonArray([.. (key?.AllowedValues ?? []).Select(a => (JsonNode)a)]),
                    ["errors"] = new JsonArray([.. value.Errors.Select(e => (JsonNode)e)]),
                    ["visible"] = true,
                },
            });
        }

        return new JsonObject
        {
            ["name"] = PluginRegistry.PluginName(type),
            ["error_count"] = result.ErrorCount,
            ["groups"] = new JsonArray([.. groups.Select(g => (JsonNode)g)]),
            ["configs"] = configs,
        };
    }

    /// <summary><c>GET /connector-plugins/{plugin}/config</c>: the definitions of the plugin's own keys.</summary>
    public JsonArray PluginConfig(string plugin)
    {
        var type = ResolvePlugin(plugin);
        var connector = PluginRegistry.Create<Connector>(type);
        var order = 0;
        return new JsonArray([.. connector.Config.Keys.Select(k => (JsonNode)Definition(k, ++order))]);
    }

    /// <summary><c>GET /connector-plugins/{plugin}/config/schema</c>: the JSON Schema of the plugin's config files.</summary>
    public JsonObject PluginSchema(string plugin) => ConnectorJsonSchema.For(ResolvePlugin(plugin));

    private Type ResolvePlugin(string plugin)
    {
        try
        {
            return _plugins.ResolveConnector(plugin);
        }
        catch (ConfigException)
        {
            throw new ConnectRestException(404, $"Connector plugin {plugin} not found");
        }
    }

    private static JsonObject Definition(ConfigKey key, int order)
    {
        var json = new JsonObject
        {
            ["name"] = key.Name,
            ["type"] = key.Type.ToString().ToUpperInvariant(),
            ["required"] = key.Required,
            ["default_value"] = key.Required ? null : key.DefaultValue switch
            {
                null => null,
                string[] list => string.Join(",", list),
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var other => other.ToString(),
            },
            ["importance"] = key.Importance.ToString().ToUpperInvariant(),
            ["documentation"] = key.Documentation,
            ["group"] = key.Group,
            ["width"] = "NONE",
            ["display_name"] = key.Name,
            ["dependents"] = new JsonArray(),
            ["order"] = order,
        };
        if (key.AllowedValues is { Count: > 0 } allowed)
        {
            json["allowed_values"] = new JsonArray([.. allowed.Select(a => (JsonNode)a)]);
        }

        return json;
    }
}
