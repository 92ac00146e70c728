using System.Globalization;
using Platform.Storage;

namespace Platform.Broker;

/// <summary>
/// One broker setting as <see cref="BrokerOptions.Settings"/> lists it: Kafka's name (or ours), type,
/// default and documentation, and how it binds to <see cref="BrokerOptions"/>. Binding, validation,
/// defaults, the README's table and DescribeConfigs all read these rows, so a setting is described once.
/// </summary>
public abstract class BrokerSetting
{
    private protected BrokerSetting(string name, ConfigType type, string documentation)
    {
        Name = name;
        Type = type;
        Documentation = documentation;
    }

    /// <summary>The key in Kafka's spelling (<c>log.retention.ms</c>), or ours where Kafka has none.</summary>
    public string Name { get; }

    public ConfigType Type { get; }

    public string Documentation { get; }

    /// <summary>Other keys that set the same thing (<c>broker.id</c> for <c>node.id</c>), accepted when binding.</summary>
    public IReadOnlyList<string> Aliases { get; private set; } = [];

    /// <summary>False for a setting of this broker's own (<c>max.partitions</c>), not Kafka's.</summary>
    public bool IsKafkas { get; private set; } = true;

    /// <summary>The default as DescribeConfigs reports it; null when there is none (<c>advertised.listeners</c>).</summary>
    public abstract string? DefaultValue { get; }

    /// <summary>The default as the documentation shows it, when a number would mislead (<c>processor count</c>).</summary>
    public string? DocumentedDefault { get; private set; }

    internal BrokerSetting Also(params string[] aliases)
    {
        Aliases = aliases;
        return this;
    }

    internal BrokerSetting Ours()
    {
        IsKafkas = false;
        return this;
    }

    internal BrokerSetting Shown(string documentedDefault)
    {
        DocumentedDefault = documentedDefault;
        return this;
    }

    /// <summary>The effective value in <paramref name="options"/>, as DescribeConfigs reports it.</summary>
    public abstract string? ValueOf(BrokerOptions options);

    /// <summary>Whether the value was configured rather than left at its default (DescribeConfigs' source).</summary>
    public virtual bool IsSet(BrokerOptions options) => options.Configured.ContainsKey(Name) || Aliases.Any(options.Configured.ContainsKey);

    /// <summary>What the setting sets: settings with the same target are synonyms (<c>log.retention.hours</c> of <c>log.retention.ms</c>).</summary>
    internal virtual string Target => Name;

    /// <summary>Sets the value from configuration text; throws <see cref="FormatException"/> on a malformed value, returns a warning for a value this broker cannot honour.</summary>
    internal abstract string? Bind(BrokerOptions options, string text);

    /// <summary>Why the value in <paramref name="options"/> is not acceptable (without the key), or null.</summary>
    internal virtual string? Problem(BrokerOptions options) => null;

    internal virtual void Reset(BrokerOptions options)
    {
    }

    internal virtual void Copy(BrokerOptions from, BrokerOptions to)
    {
    }

    /// <summary>A setting held in a property of <see cref="BrokerOptions"/>.</summary>
    internal sealed class Property<T>(
        string name,
        ConfigType type,
        T defaultValue,
        Func<BrokerOptions, T> get,
        Action<BrokerOptions, T> set,
        Func<string, T> parse,
        Func<T, string?> format,
        string documentation,
        Func<BrokerOptions, T, string?>? check) : BrokerSetting(name, type, documentation)
    {
        public override string? DefaultValue => format(defaultValue);

        public override string? ValueOf(BrokerOptions options) => format(get(options));

        internal override string? Bind(BrokerOptions options, string text)
        {
            set(options, parse(text));
            return null;
        }

        internal override string? Problem(BrokerOptions options) => check?.Invoke(options, get(options));

        internal override void Reset(BrokerOptions options) => set(options, defaultValue);

        internal override void Copy(BrokerOptions from, BrokerOptions to) => set(to, get(from));

        public override bool IsSet(BrokerOptions options) => base.IsSet(options) || !EqualityComparer<T>.Default.Equals(get(options), defaultValue);
    }

    /// <summary>
    /// The broker-wide default of a topic config (<c>log.retention.ms</c> for <c>retention.ms</c>), kept in
    /// <see cref="BrokerOptions.TopicDefaults"/> by its topic-level name; <paramref name="scale"/> turns a
    /// value in hours or minutes into the topic config's milliseconds.
    /// </summary>
    internal sealed class TopicDefault(string name, ConfigDefinition topic, long scale = 1, string? defaultValue = null, string? documentation = null)
        : BrokerSetting(name, scale == 1 ? topic.Type : ConfigType.Int, documentation ?? topic.Documentation)
    {
        internal override string Target => topic.Name;

        public override bool IsSet(BrokerOptions options) => scale == 1 ? options.TopicDefaults.ContainsKey(topic.Name) : base.IsSet(options);

        public override string? DefaultValue => scale == 1 ? topic.DefaultValue : defaultValue;

        public override string? ValueOf(BrokerOptions options)
            => scale == 1 ? options.TopicDefaults.GetValueOrDefault(topic.Name) ?? topic.DefaultValue
                : options.Configured.GetValueOrDefault(Name) ?? defaultValue;

        internal override string? Bind(BrokerOptions options, string text)
        {
            if (scale == 1)
            {
                // Checked here so the message names the key as written (log.retention.ms), not its topic-level synonym.
                if (topic.Problem(text) is { } problem)
                {
                    throw new FormatException($"invalid value '{text}': {problem}");
                }

                options.TopicDefaults[topic.Name] = text;
                return null;
            }

            var units = int.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

            // As in Kafka, any negative time means unlimited (-1).
            options.TopicDefaults[topic.Name] = units < 0 ? "-1" : (units * scale).ToString(CultureInfo.InvariantCulture);
            return null;
        }
    }

    /// <summary>A Kafka setting whose only value this broker can honour is <paramref name="value"/> (a replication factor of 1 on one broker); another value warns.</summary>
    internal sealed class Fixed(string name, int value, string documentation) : BrokerSetting(name, ConfigType.Int, documentation)
    {
        public override string? DefaultValue => value.ToString(CultureInfo.InvariantCulture);

        public override string? ValueOf(BrokerOptions options) => DefaultValue;

        internal override string? Bind(BrokerOptions options, string text)
            => int.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) == value
                ? null
                : $"'{text}' is not supported: this broker runs alone, so {Name} is {value}";
    }
}
