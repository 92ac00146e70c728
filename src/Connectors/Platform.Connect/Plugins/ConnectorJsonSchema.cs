using System.Text.Json.Nodes;
using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Platform.Connect.Runtime;

namespace Platform.Connect.Plugins;

/// <summary>
/// The JSON Schema (draft 2020-12) of a connector's config file, <c>{"name": ..., "config": {...}}</c>, made from the
/// runtime's keys and the plugin's <see cref="Connector.Config"/>: editors complete keys, show their documentation and
/// flag unknown values. Values may be strings (Kafka's way) or JSON numbers and booleans.
/// </summary>
public static class ConnectorJsonSchema
{
    /// <summary>The schema of <paramref name="connectorType"/>'s config files.</summary>
    public static JsonObject For(Type connectorType)
    {
        ArgumentNullException.ThrowIfNull(connectorType);
        var connector = PluginRegistry.Create<Connector>(connectorType);
        var definitions = new ConfigDef().Merge(ConnectorConfig.Common)
            .Merge(connector is SinkConnector ? ConnectorConfig.Sink : ConnectorConfig.Source)
            .Merge(connector.Config);
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var key in definitions.Keys)
        {
            var property = Property(key);
            if (key.Name == ConnectorConfig.ConnectorClass)
            {
                var simple = connectorType.Name;
                property["enum"] = new JsonArray(PluginRegistry.PluginName(connectorType), simple, simple.EndsWith("Connector", StringComparison.Ordinal) ? simple[..^"Connector".Length] : simple);
            }

            properties[key.Name] = property;
            if (key.Required && key.Name != ConnectorConfig.Name)
            {
                required.Add((JsonNode)key.Name);
            }
        }

        return new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = $"urn:platform:connect:{PluginRegistry.PluginName(connectorType)}",
            ["title"] = $"{connectorType.Name} configuration",
            ["description"] = $"A {PluginRegistry.PluginType(connectorType)} connector config file for the Platform Connect worker (Kafka Connect's shape).",
            ["type"] = "object",
            ["required"] = new JsonArray("name", "config"),
            ["properties"] = new JsonObject
            {
                ["name"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["description"] = "Globally unique name of the connector." },
                ["config"] = new JsonObject
                {
                    ["type"] = "object",
                    ["required"] = required,
                    ["properties"] = properties,
                    ["additionalProperties"] = new JsonObject { ["type"] = new JsonArray("string", "number", "boolean") },
                },
            },
            ["additionalProperties"] = false,
        };
    }

    private static JsonObject Property(ConfigKey key)
    {
        var property = key.Type switch
        {
            ConfigType.Int or ConfigType.Long => AnyOf(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string", ["pattern"] = "^\\s*-?[0-9]+\\s*$" }),
            ConfigType.Double => AnyOf(new JsonObject { ["type"] = "number" }, new JsonObject { ["type"] = "string", ["pattern"] = "^\\s*-?[0-9.eE+-]+\\s*$" }),
            ConfigType.Boolean => AnyOf(new JsonObject { ["type"] = "boolean" }, new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("true", "false") }),
            _ => new JsonObject { ["type"] = "string" },
        };
        property["description"] = key.Documentation;
        if (key.AllowedValues is { Count: > 0 } allowed)
        {
            property["enum"] = new JsonArray([.. allowed.Select(a => (JsonNode)a)]);
        }

        if (!key.Required && key.DefaultValue is { } value)
        {
            property["default"] = value switch
            {
                string[] list => string.Join(",", list),
                bool b => b,
                int i => i,
                long l => l,
                double d => d,
                _ => value.ToString(),
            };
        }

        return property;
    }

    private static JsonObject AnyOf(JsonObject a, JsonObject b) => new() { ["anyOf"] = new JsonArray(a, b) };
}
