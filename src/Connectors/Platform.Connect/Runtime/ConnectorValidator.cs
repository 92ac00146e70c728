using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Platform.Connect.Plugins;
using Platform.Connect.Storage;
using Platform.Connect.Transforms;

namespace Platform.Connect.Runtime;

/// <summary>
/// Validates a whole connector configuration before it runs: the runtime's keys, the plugin's keys (its
/// <see cref="Connector.Validate"/>), converters, transforms and predicates. Every problem is reported with the key it
/// concerns, for the config directory's error messages, <c>PUT /connector-plugins/{plugin}/config/validate</c> and 400 answers.
/// </summary>
public sealed class ConnectorValidator(PluginRegistry plugins)
{
    /// <summary>Every key's value and errors; keys without a definition (transform options) only appear when wrong.</summary>
    public ValidationResult Validate(IReadOnlyDictionary<string, string> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var values = new List<ConfigValue>();
        var definitions = new ConfigDef().Merge(ConnectorConfig.Common);
        values.AddRange(ConnectorConfig.Common.Validate(config));
        Type? connectorType = null;
        if (config.TryGetValue(ConnectorConfig.ConnectorClass, out var className) && className.Trim().Length > 0)
        {
            try
            {
                connectorType = plugins.ResolveConnector(className);
            }
            catch (ConfigException e)
            {
                Replace(values, ConnectorConfig.ConnectorClass, className, e.Message);
            }
        }

        if (connectorType is not null)
        {
            var connector = PluginRegistry.Create<Connector>(connectorType);
            var kindKeys = connector is SinkConnector ? ConnectorConfig.Sink : ConnectorConfig.Source;
            definitions.Merge(kindKeys).Merge(connector.Config);
            values.AddRange(kindKeys.Validate(config));
            values.AddRange(connector.Validate(config).Where(v => definitions.Find(v.Name) is null || !values.Exists(x => x.Name == v.Name)));
            if (connector is SinkConnector)
            {
                var hasTopics = config.TryGetValue(ConnectorConfig.Topics, out var t) && t.Trim().Length > 0;
                var hasRegex = config.TryGetValue(ConnectorConfig.TopicsRegex, out var r) && r.Trim().Length > 0;
                if (hasTopics == hasRegex)
                {
                    Replace(values, ConnectorConfig.Topics, t, "exactly one of 'topics' and 'topics.regex' must be set");
                }
            }
            else if (connector is SourceConnector source && config.TryGetValue(ConnectorConfig.ExactlyOnceSupport, out var eos)
                && eos.Trim().Equals("required", StringComparison.OrdinalIgnoreCase)
                && source.ExactlyOnceSupport(config) != Connectors.ExactlyOnceSupport.Supported)
            {
                Replace(values, ConnectorConfig.ExactlyOnceSupport, eos, $"the connector {connectorType.Name} does not support exactly-once delivery");
            }
        }

        foreach (var prefix in new[] { ConnectorConfig.KeyConverter, ConnectorConfig.ValueConverter, ConnectorConfig.HeaderConverter })
        {
            var name = config.TryGetValue(prefix, out var n) ? n : (string)ConnectorConfig.Common.Find(prefix)!.DefaultValue!;
            try
            {
                var converter = PluginRegistry.Create<Storage.IConverter>(plugins.ResolveConverter(name, prefix));
                var sub = config.Where(kv => kv.Key.StartsWith(prefix + ".", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[(prefix.Length + 1)..], kv => kv.Value);
                foreach (var value in converter.Config.Validate(sub).Where(v => v.Errors.Count > 0))
                {
                    values.Add(value with { Name = $"{prefix}.{value.Name}" });
                }
            }
            catch (ConfigException e)
            {
                Replace(values, prefix, name, e.Message);
            }
        }

        try
        {
            using var chain = TransformationChain.Create(config, plugins);
        }
        catch (ConfigException e)
        {
            var key = e.Key ?? (e.Message.Split('\'') is { Length: > 2 } parts ? parts[1] : ConnectorConfig.Transforms);
            Replace(values, key, config.GetValueOrDefault(key), e.Message);
        }

        var unique = values.GroupBy(v => v.Name, StringComparer.Ordinal)
            .Select(g => g.Aggregate((a, b) => a with { Errors = [.. a.Errors.Union(b.Errors)] }))
            .ToList();
        return new ValidationResult(connectorType, definitions, unique);
    }

    /// <summary>Validates and throws on the first problem.</summary>
    /// <exception cref="ConfigException">The configuration is invalid; the message names every bad key.</exception>
    public Type ValidateOrThrow(IReadOnlyDictionary<string, string> config)
    {
        var result = Validate(config);
        if (result.ErrorCount > 0)
        {
            var first = result.Values.First(v => v.Errors.Count > 0);
            throw new ConfigException(first.Name, first.Value, string.Join("; ", result.Values.Where(v => v.Errors.Count > 0).Select(v => $"{v.Name}: {string.Join(", ", v.Errors)}")));
        }

        return result.ConnectorType!;
    }

    private static void Replace(List<ConfigValue> values, string name, string? value, string error)
    {
        var index = values.FindIndex(v => v.Name == name);
        if (index >= 0)
        {
            values[index] = values[index] with { Errors = [.. values[index].Errors, error] };
        }
        else
        {
            values.Add(new ConfigValue(name, value, [error]));
        }
    }
}

/// <summary>The outcome of validating a connector configuration.</summary>
/// <param name="ConnectorType">The resolved connector class, or null when <c>connector.class</c> is missing or unknown.</param>
/// <param name="Definitions">Every key definition that applies (runtime's and plugin's).</param>
/// <param name="Values">Every key's value and errors.</param>
public sealed record ValidationResult(Type? ConnectorType, ConfigDef Definitions, IReadOnlyList<ConfigValue> Values)
{
    /// <summary>How many keys have errors.</summary>
    public int ErrorCount => Values.Count(v => v.Errors.Count > 0);
}
