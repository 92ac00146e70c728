using Microsoft.Extensions.Configuration;

namespace Platform.Broker.Tests;

/// <summary>Binds broker settings from Kafka-named keys, as the host does from server.properties or JSON.</summary>
internal static class ConfigurationBinding
{
    public static IConfigurationSection Section(params (string Key, string Value)[] settings)
        => new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>($"{BrokerOptions.SectionName}:{s.Key}", s.Value)))
            .Build()
            .GetSection(BrokerOptions.SectionName);

    /// <summary>Fresh options bound from <paramref name="settings"/>, and the warnings binding gave.</summary>
    public static (BrokerOptions Options, IReadOnlyList<string> Warnings) Bind(params (string Key, string Value)[] settings)
    {
        var options = new BrokerOptions();
        var warnings = BrokerConfiguration.Bind(Section(settings), options);
        return (options, warnings);
    }
}
