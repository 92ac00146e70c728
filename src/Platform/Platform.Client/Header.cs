namespace Platform.Client;

/// <summary>One record header: a string key and a byte value (null allowed).</summary>
public sealed class Header
{
    private readonly byte[]? _value;

    /// <summary>Creates a header.</summary>
    public Header(string key, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = key;
        _value = value;
    }

    /// <summary>The header key.</summary>
    public string Key { get; }

    /// <summary>The header value (not copied).</summary>
    public byte[]? GetValueBytes() => _value;
}
