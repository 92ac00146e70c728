using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Platform.Connect.Data;

namespace Platform.Connect.Converters;

/// <summary>
/// A schemaless JSON object as the JSON converter decodes it: names and values in two arrays, in document order. Records
/// of a topic nearly always have the same names in the same order, so consecutive objects share one names array,
/// and a map is two small objects instead of a dictionary's three larger ones: the sink path decodes every record, and
/// a batch's maps live until its put returns. Lookups are linear (objects have few fields). It is an ordinary
/// mutable dictionary to everyone else; changing it gives it its own names array first. It is also the list of its
/// pairs in document order, so a sink mapping every record's fields reads them by index, without an enumerator object.
/// For a sink that reads documents (<see cref="Connectors.SinkTask.ReadsJsonDocuments"/>) the converter's maps are deferred: they keep the document and decode it on first use, and until changed
/// they give the document to a sink that reads it itself (<see cref="IJsonObjectSource"/>).
/// </summary>
internal sealed class JsonObjectMap : IDictionary<string, object?>, IReadOnlyDictionary<string, object?>, IReadOnlyList<KeyValuePair<string, object?>>,
    IJsonObjectSource
{
    private string[] _names = null!;
    private object?[] _values = null!;
    private int _count;
    private bool _sharedNames;

    // The document while the map has not decoded it (_reader not null), and whether it still says what the map holds.
    private SchemalessJsonReader? _reader;
    private ReadOnlyMemory<byte> _utf8;
    private bool _changed;
    private bool _checked = true;

    // Whether the document is memory lent by its owner (the sink runtime's consumed batch), and whether the owner took it back.
    private bool _borrowed;
    private bool _released;

    /// <summary>A map over <paramref name="names"/> (shared with other maps, never changed in place) and <paramref name="values"/> (its own).</summary>
    public JsonObjectMap(string[] names, object?[] values, int count)
    {
        _names = names;
        _values = values;
        _count = count;
        _sharedNames = true;
        _changed = true;
    }

    /// <summary>
    /// A map of the object <paramref name="utf8"/>, decoded by <paramref name="reader"/> on first use; checked first if it
    /// is not yet. <paramref name="borrowed"/>: the memory is its owner's, valid until the owner calls <see cref="Release"/>.
    /// </summary>
    public JsonObjectMap(SchemalessJsonReader reader, ReadOnlyMemory<byte> utf8, bool isChecked, bool borrowed = false)
    {
        _reader = reader;
        _utf8 = utf8;
        _checked = isChecked;
        _borrowed = borrowed;
    }

    /// <summary>
    /// Makes this map, its document released (<see cref="Release"/>), the map of another borrowed document, as the
    /// constructor would make it: for an owner that reuses its maps once no one holds them (<see cref="Connectors.SinkTask.RecordsMayBeReused"/>).
    /// </summary>
    public void Reuse(SchemalessJsonReader reader, ReadOnlyMemory<byte> utf8, bool isChecked)
    {
        _names = null!;
        _values = null!;
        _count = 0;
        _sharedNames = false;
        _reader = reader;
        _utf8 = utf8;
        _changed = false;
        _checked = isChecked;
        _borrowed = true;
        _released = false;
    }

    /// <summary>Whether the document is borrowed memory (<see cref="Release"/>).</summary>
    public bool IsBorrowed => _borrowed;

    /// <summary>
    /// The owner of the borrowed document takes it back (to reuse it): a map decoded by then stays what it is, without
    /// its document; one never read can no longer be, and says so rather than read memory that now holds other bytes.
    /// </summary>
    public void Release()
    {
        _released = _reader is not null;
        _reader = null;
        _changed = true;
        _utf8 = default;
    }

    /// <inheritdoc/>
    public bool IsChecked => _checked;

    /// <inheritdoc/>
    public void MarkChecked() => _checked = true;

    /// <summary>Checks the document if nobody did (<see cref="SchemalessJsonReader.Check"/>).</summary>
    /// <exception cref="System.Text.Json.JsonException">It is not one well-formed JSON object, or a value in it cannot be decoded.</exception>
    public void Check()
    {
        if (!_checked)
        {
            ThrowIfReleased();
            SchemalessJsonReader.Check(_utf8.Span);
            _checked = true;
        }
    }

    public int Count
    {
        get
        {
            Decode();
            return _count;
        }

        private set => _count = value;
    }

    /// <inheritdoc/>
    public bool TryGetUtf8(out ReadOnlySpan<byte> utf8)
    {
        utf8 = _changed ? default : _utf8.Span;
        return !_changed;
    }

    public bool IsReadOnly => false;

    public ICollection<string> Keys => [.. Names.AsSpan(0, Count)];

    public ICollection<object?> Values => [.. ValueArray.AsSpan(0, Count)];

    private string[] Names
    {
        get
        {
            Decode();
            return _names;
        }
    }

    private object?[] ValueArray
    {
        get
        {
            Decode();
            return _values;
        }
    }

    IEnumerable<string> IReadOnlyDictionary<string, object?>.Keys => Keys;

    IEnumerable<object?> IReadOnlyDictionary<string, object?>.Values => Values;

    public object? this[string key]
    {
        get => IndexOf(key) is var i and >= 0 ? ValueArray[i] : throw new KeyNotFoundException($"The given key '{key}' was not present in the dictionary.");
        set
        {
            var i = IndexOf(key);
            if (i >= 0)
            {
                _changed = true;
                _values[i] = value;
            }
            else
            {
                Append(key, value);
            }
        }
    }

    public KeyValuePair<string, object?> this[int index]
        => (uint)index < (uint)Count ? new(_names[index], _values[index]) : throw new ArgumentOutOfRangeException(nameof(index));

    public void Add(string key, object? value)
    {
        if (IndexOf(key) >= 0)
        {
            throw new ArgumentException($"An item with the same key has already been added. Key: {key}", nameof(key));
        }

        Append(key, value);
    }

    public void Add(KeyValuePair<string, object?> item) => Add(item.Key, item.Value);

    public void Clear()
    {
        _reader = null;
        _changed = true;
        _names = [];
        _values = [];
        _sharedNames = false;
        Count = 0;
    }

    public bool Contains(KeyValuePair<string, object?> item) => IndexOf(item.Key) is var i and >= 0 && Equals(ValueArray[i], item.Value);

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public void CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        Decode();
        for (var i = 0; i < _count; i++)
        {
            array[arrayIndex + i] = new KeyValuePair<string, object?>(_names[i], _values[i]);
        }
    }

    public bool Remove(string key)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            return false;
        }

        Own();
        Array.Copy(_names, i + 1, _names, i, Count - i - 1);
        Array.Copy(_values, i + 1, _values, i, Count - i - 1);
        Count--;
        _names[Count] = null!;
        _values[Count] = null;
        return true;
    }

    public bool Remove(KeyValuePair<string, object?> item) => Contains(item) && Remove(item.Key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        var i = IndexOf(key);
        value = i >= 0 ? ValueArray[i] : null;
        return i >= 0;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        Decode();
        for (var i = 0; i < _count; i++)
        {
            yield return new KeyValuePair<string, object?>(_names[i], _values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Decode();
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_names[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private void Append(string key, object? value)
    {
        Own();
        if (Count == _names.Length)
        {
            Array.Resize(ref _names, Math.Max(4, Count * 2));
            Array.Resize(ref _values, _names.Length);
        }

        _names[Count] = key;
        _values[Count] = value;
        Count++;
    }

    /// <summary>Decodes the document, the first time the map is read.</summary>
    private void Decode()
    {
        ThrowIfReleased();
        if (_reader is { } reader)
        {
            Check();
            (_names, _values, _count) = reader.ReadObject(_utf8.Span);
            _sharedNames = true;
            _reader = null;
        }
    }

    private void ThrowIfReleased()
    {
        if (_released)
        {
            throw new InvalidOperationException("The JSON document of this record was given back to the sink runtime when the put of its batch returned: "
                + "a sink task that reads documents (SinkTask.ReadsJsonDocuments) must not read its records after their put.");
        }
    }

    /// <summary>Gives the map its own names array before a change (the shared one belongs to other maps too); the document no longer says what it holds.</summary>
    private void Own()
    {
        Decode();
        _changed = true;
        if (_sharedNames)
        {
            _names = [.. _names];
            _sharedNames = false;
        }
    }
}
