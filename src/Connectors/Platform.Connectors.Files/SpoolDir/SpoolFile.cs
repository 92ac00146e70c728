using Platform.Connect.Data;
using Platform.Connectors.Files.IO;

namespace Platform.Connectors.Files.SpoolDir;

/// <summary>
/// A file taken from the spooling directory: its reader while being read, who it is (so a stored offset is
/// applied only to the same file), and how many of its records were handed out and acknowledged, so it is
/// cleaned up only after the last acknowledgement.
/// </summary>
internal sealed class SpoolFile(string name, string path, string? inode, long modifiedTicks, string fingerprint)
{
    private readonly Lock _lock = new();
    private long _emitted;
    private long _acknowledged;
    private bool _exhausted;
    private bool _finished;

    public string Name { get; } = name;

    public string Path { get; } = path;

    public string? Inode { get; } = inode;

    public long ModifiedTicks { get; } = modifiedTicks;

    public string Fingerprint { get; } = fingerprint;

    /// <summary>Names this version of the file, for files left in place.</summary>
    public string Key => $"{Name}|{Inode}|{ModifiedTicks}|{Fingerprint}";

    public IReadOnlyDictionary<string, object?> SourcePartition { get; } = new Dictionary<string, object?> { ["file"] = name };

    public LineReader? Reader { get; set; }

    /// <summary>The schema of a CSV file's rows, from its header.</summary>
    public Schema? RowSchema { get; set; }

    /// <summary>Whether a stored offset belongs to this very file.</summary>
    public bool Matches(IReadOnlyDictionary<string, object?> offset)
        => offset.TryGetValue("fingerprint", out var f) && f?.ToString() == Fingerprint
            && offset.TryGetValue("mtime", out var m) && m is not null && Convert.ToInt64(m, System.Globalization.CultureInfo.InvariantCulture) == ModifiedTicks
            && (!offset.TryGetValue("inode", out var i) || i?.ToString() == Inode);

    public Dictionary<string, object?> Offset(long position, long line) => new()
    {
        ["position"] = position,
        ["line"] = line,
        ["inode"] = Inode,
        ["mtime"] = ModifiedTicks,
        ["fingerprint"] = Fingerprint,
    };

    /// <summary>Counts records handed out.</summary>
    public void Emitted(int count)
    {
        lock (_lock)
        {
            _emitted += count;
        }
    }

    /// <summary>The file was read to its end; true when everything is acknowledged already and cleanup is due.</summary>
    public bool MarkExhausted()
    {
        lock (_lock)
        {
            _exhausted = true;
            return TryFinish();
        }
    }

    /// <summary>One record was acknowledged; true when it was the last and cleanup is due.</summary>
    public bool Acknowledge()
    {
        lock (_lock)
        {
            _acknowledged++;
            return TryFinish();
        }
    }

    private bool TryFinish()
    {
        if (_finished || !_exhausted || _acknowledged < _emitted)
        {
            return false;
        }

        _finished = true;
        return true;
    }
}
