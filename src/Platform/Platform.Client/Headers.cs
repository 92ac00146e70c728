using System.Collections;
using Platform.Protocol.RecordFormat;

namespace Platform.Client;

/// <summary>The headers of a record, in order; keys may repeat.</summary>
public sealed class Headers : IReadOnlyList<Header>
{
    private readonly List<RecordHeader> _headers = [];

    /// <summary>Number of headers.</summary>
    public int Count => _headers.Count;

    /// <summary>The header at <paramref name="index"/>.</summary>
    public Header this[int index] => new(_headers[index].Key, _headers[index].Value);

    /// <summary>The headers as the record format writes them.</summary>
    internal IReadOnlyList<RecordHeader> Entries => _headers;

    /// <summary>Appends a header.</summary>
    public void Add(string key, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _headers.Add(new RecordHeader(key, value));
    }

    /// <summary>Appends a header.</summary>
    public void Add(Header header)
    {
        ArgumentNullException.ThrowIfNull(header);
        Add(header.Key, header.GetValueBytes());
    }

    /// <summary>Removes every header with <paramref name="key"/>.</summary>
    public void Remove(string key)
    {
        // A loop, not RemoveAll with a lambda: no closure per call (Streams removes a marker from every record of a count's repartition topic).
        for (var i = _headers.Count - 1; i >= 0; i--)
        {
            if (_headers[i].Key == key)
            {
                _headers.RemoveAt(i);
            }
        }
    }

    /// <summary>The value of the last header with <paramref name="key"/>.</summary>
    public bool TryGetLastBytes(string key, out byte[]? lastHeader)
    {
        for (var i = _headers.Count - 1; i >= 0; i--)
        {
            if (_headers[i].Key == key)
            {
                lastHeader = _headers[i].Value;
                return true;
            }
        }

        lastHeader = null;
        return false;
    }

    /// <summary>The value of the last header with <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No header has that key.</exception>
    public byte[]? GetLastBytes(string key)
        => TryGetLastBytes(key, out var value) ? value : throw new KeyNotFoundException($"No header with key '{key}'.");

    /// <inheritdoc />
    public IEnumerator<Header> GetEnumerator()
    {
        foreach (var header in _headers)
        {
            yield return new Header(header.Key, header.Value);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
