using Platform.Connect.Config;

namespace Platform.Connect.Transforms.Predicates;

/// <summary>Kafka's <c>HasHeaderKey</c>: true when the record has a header called <c>name</c>.</summary>
public sealed class HasHeaderKey : IPredicate
{
    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("name", ConfigType.String, ConfigDef.NoDefault, Importance.Medium, "The header name.", ConfigDef.Validators.NonEmptyString());

    private string _name = "";

    /// <inheritdoc/>
    public ConfigDef Config => Definition;

    /// <inheritdoc/>
    public void Configure(IReadOnlyDictionary<string, string> config) => _name = Definition.Parse(config).GetString("name")!;

    /// <inheritdoc/>
    public bool Test(ConnectRecord record) => record is not null && record.Headers.Any(h => h.Key == _name);

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
