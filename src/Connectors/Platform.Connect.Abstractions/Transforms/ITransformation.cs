using Platform.Connect.Config;

namespace Platform.Connect.Transforms;

/// <summary>A single message transform (SMT): one record in, one record or null (dropped) out.</summary>
public interface ITransformation : IDisposable
{
    /// <summary>The keys it takes.</summary>
    ConfigDef Config { get; }

    /// <summary>Configures it with its keys (the <c>transforms.NAME.</c> prefix removed).</summary>
    void Configure(IReadOnlyDictionary<string, string> config);

    /// <summary>The transformed record, or null to drop it.</summary>
    ConnectRecord? Apply(ConnectRecord record);
}

/// <summary>A condition on records that decides whether a transform applies (KIP-585).</summary>
public interface IPredicate : IDisposable
{
    /// <summary>The keys it takes.</summary>
    ConfigDef Config { get; }

    /// <summary>Configures it with its keys (the <c>predicates.NAME.</c> prefix removed).</summary>
    void Configure(IReadOnlyDictionary<string, string> config);

    /// <summary>Whether the record matches.</summary>
    bool Test(ConnectRecord record);
}
