using Platform.Connect.Plugins;
using Platform.Connect.Storage;

namespace Platform.Connect.Runtime;

/// <summary>A connector's key, value and header converters, configured from <c>key.converter.*</c> and friends.</summary>
internal sealed record ConverterSet(IConverter Key, IConverter Value, IConverter Header)
{
    public static ConverterSet Create(IReadOnlyDictionary<string, string> config, PluginRegistry plugins)
        => new(
            Create(config, ConnectorConfig.KeyConverter, plugins, isKey: true),
            Create(config, ConnectorConfig.ValueConverter, plugins, isKey: false),
            Create(config, ConnectorConfig.HeaderConverter, plugins, isKey: false));

    private static IConverter Create(IReadOnlyDictionary<string, string> config, string key, PluginRegistry plugins, bool isKey)
    {
        var name = config.TryGetValue(key, out var n) && n.Trim().Length > 0 ? n : (string)Runtime.ConnectorConfig.Common.Find(key)!.DefaultValue!;
        var converter = PluginRegistry.Create<IConverter>(plugins.ResolveConverter(name, key));
        var prefix = key + ".";
        converter.Configure(config.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value), isKey);
        return converter;
    }
}
