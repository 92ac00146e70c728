using System.Text;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests;

/// <summary>
/// <see cref="BrokerOptions.Settings"/>, the one description of the broker's settings: it drives binding,
/// validation, defaults, the README's table and DescribeConfigs of the broker resource.
/// </summary>
public sealed class BrokerSettingsTests
{
    private const string Begin = "<!-- broker settings: generated from BrokerOptions.Settings by BrokerSettingsTests; PLATFORM_UPDATE_DOCS=1 rewrites it -->";
    private const string End = "<!-- end of broker settings -->";

    [Fact]
    public void Readme_BrokerSettingsTable_IsTheSettingsTable()
    {
        var path = Path.Combine(ExternalProcess.RepositoryRoot, "README.md");
        var readme = File.ReadAllText(path).ReplaceLineEndings("\n");
        var start = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "README.md lacks the broker settings markers");
        var current = readme[(start + Begin.Length)..end];
        var generated = "\n" + Markdown() + "\n";

        if (current != generated && Environment.GetEnvironmentVariable("PLATFORM_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, readme[..(start + Begin.Length)] + generated + readme[end..]);
            return;
        }

        Assert.Equal(generated, current);
    }

    [Fact]
    public void Defaults_PassTheirOwnChecks()
    {
        new BrokerOptions().Validate();
        foreach (var setting in BrokerOptions.Settings)
        {
            Assert.False(setting.IsSet(new BrokerOptions()), setting.Name);
        }
    }

    [Fact]
    public void Settings_EachKeyOnce()
    {
        var keys = BrokerOptions.Settings.SelectMany(s => s.Aliases.Prepend(s.Name)).ToList();

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Settings_KafkasAreKafkasAndOursAreNot()
    {
        Assert.All(BrokerOptions.Settings, s => Assert.True(s.IsKafkas == KafkaBrokerConfigNames.Contains(s.Name), s.Name));
    }

    [Fact]
    public void Bind_EverySettingFromItsOwnDefault_RoundTrips()
    {
        // Binding each setting's default text must give the same value back: parse and format agree.
        var defaults = BrokerOptions.Settings.Where(s => s.DefaultValue is not null).ToList();
        var options = ConfigurationBinding.Bind(defaults.Select(s => (s.Name, s.DefaultValue!)).ToArray()).Options;

        foreach (var setting in defaults)
        {
            Assert.Equal(setting.DefaultValue, setting.ValueOf(options));
        }

        options.Validate();
    }

    [Fact]
    public void CopyTo_CopiesEverySetting()
    {
        var (from, _) = ConfigurationBinding.Bind(("num.partitions", "7"), ("log.cleaner.io.buffer.load.factor", "0.25"), ("log.retention.hours", "2"), ("advertised.listeners", "PLAINTEXT://example.com:9093"));
        var to = new BrokerOptions();

        BrokerOptions.CopyTo(from, to);

        foreach (var setting in BrokerOptions.Settings)
        {
            Assert.Equal(setting.ValueOf(from), setting.ValueOf(to));
            Assert.Equal(setting.IsSet(from), setting.IsSet(to));
        }
    }

    [Theory]
    [InlineData("log.retention.hours", "-1", "-1")]
    [InlineData("log.retention.minutes", "30", "1800000")]
    [InlineData("log.retention.ms", "1234", "1234")]
    [InlineData("retention.ms", "1234", "1234")]
    public void Bind_RetentionInAnyUnit_SetsTheTopicDefault(string key, string value, string retentionMs)
    {
        Assert.Equal(retentionMs, ConfigurationBinding.Bind((key, value)).Options.TopicDefaults["retention.ms"]);
    }

    [Fact]
    public async Task DescribeConfigs_Broker_EverySettingWithSourceAndSynonyms()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => BrokerConfiguration.Bind(ConfigurationBinding.Section(("log.retention.hours", "24"), ("num.partitions", "3"), ("broker.id", "1")), o));
        await using var connection = await RawConnection.ConnectAsync(broker);
        var request = new DescribeConfigsRequest { Resources = [new() { ResourceType = 4, ResourceName = "1" }], IncludeSynonyms = true, IncludeDocumentation = true };

        var configs = Assert.Single((await connection.SendAsync<DescribeConfigsResponse>(request, 4)).Results).Configs.ToDictionary(c => c.Name);

        // The static settings (read-only), and the replication throttle rates (the dynamic ones).
        string[] dynamic = ["follower.replication.throttled.rate", "leader.replication.throttled.rate"];
        Assert.Equal(BrokerOptions.Settings.Select(s => s.Name).Concat(dynamic).Order(StringComparer.Ordinal), configs.Keys.Order(StringComparer.Ordinal));
        Assert.All(configs.Values, c => Assert.True(c.ReadOnly != dynamic.Contains(c.Name) && !string.IsNullOrEmpty(c.Documentation), c.Name));

        var partitions = configs["num.partitions"];
        Assert.Equal(("3", 4), (partitions.Value, partitions.ConfigSource));
        Assert.Equal([("num.partitions", "3", 4), ("num.partitions", "1", 5)], partitions.Synonyms.Select(s => (s.Name, s.Value, (int)s.Source)));

        var retention = configs["log.retention.ms"];
        Assert.Equal(("86400000", 4), (retention.Value, retention.ConfigSource));
        Assert.Equal(
            [("log.retention.ms", "86400000", 4), ("log.retention.hours", "24", 4), ("log.retention.ms", "604800000", 5)],
            retention.Synonyms.Select(s => (s.Name, s.Value, (int)s.Source)));

        var nodeId = configs["node.id"];
        Assert.Equal(4, nodeId.ConfigSource);
        Assert.Contains(nodeId.Synonyms, s => s is { Name: "broker.id", Value: "1", Source: 4 });

        var cleaner = configs["log.cleaner.threads"];
        Assert.Equal(("1", 5), (cleaner.Value, cleaner.ConfigSource));
        Assert.Equal([("log.cleaner.threads", "1", 5)], cleaner.Synonyms.Select(s => (s.Name, s.Value, (int)s.Source)));
    }

    private static string Markdown()
    {
        var text = new StringBuilder("| Key | Default | Meaning |\n|---|---|---|\n");
        foreach (var setting in BrokerOptions.Settings)
        {
            var key = $"`{setting.Name}`" + (setting.IsKafkas ? "" : " (ours)") + string.Concat(setting.Aliases.Select(a => $", `{a}`"));
            var value = setting.DocumentedDefault ?? setting.DefaultValue switch
            {
                null => "none",
                "" => "empty",
                var v => $"`{v}`",
            };
            text.Append($"| {key} | {value} | {setting.Documentation.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }

        return text.ToString().TrimEnd('\n');
    }
}
