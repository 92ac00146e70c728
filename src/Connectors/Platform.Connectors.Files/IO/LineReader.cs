using System.Text;

namespace Platform.Connectors.Files.IO;

/// <summary>
/// Reads UTF-8 lines from a file and knows the byte position after each one, which a buffered
/// <see cref="StreamReader"/> cannot tell: the source offsets are byte positions, so a restart seeks exactly.
/// Accepts "\n" and "\r\n" endings. A line still being written (no terminator yet) is not returned unless asked,
/// and is read again in full once complete.
/// </summary>
internal sealed class LineReader : IDisposable
{
    private readonly FileStream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>A reader of <paramref name="stream"/> from <paramref name="position"/>.</summary>
    public LineReader(FileStream stream, long position)
    {
        _stream = stream;
        Seek(position);
    }

    /// <summary>The byte position after the last line returned.</summary>
    public long Position { get; private set; }

    /// <summary>The line number (1-based) of the last line returned, counted from where reading started.</summary>
    public long LinesRead { get; private set; }

    /// <summary>The file.</summary>
    public FileStream Stream => _stream;

    /// <summary>Restarts reading at <paramref name="position"/> (after a truncation, or to resume).</summary>
    public void Seek(long position)
    {
        _stream.Seek(position, SeekOrigin.Begin);
        Position = position;
        _start = 0;
        _end = 0;
    }

    /// <summary>Sets the line count, when resuming at a known line.</summary>
    public void SetLinesRead(long lines) => LinesRead = lines;

    /// <summary>
    /// The next line without its terminator, or null at the end of what is written. With
    /// <paramref name="acceptUnterminated"/>, a last line without terminator is returned too (the file is complete).
    /// </summary>
    public string? ReadLine(bool acceptUnterminated)
    {
        while (true)
        {
            var pending = _buffer.AsSpan(_start, _end - _start);
            var newline = pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Decode(pending[..newline]);
                _start += newline + 1;
                Position += newline + 1;
                LinesRead++;
                return line;
            }

            if (!Fill())
            {
                if (acceptUnterminated && _end > _start)
                {
                    var line = Decode(_buffer.AsSpan(_start, _end - _start));
                    Position += _end - _start;
                    _start = _end;
                    LinesRead++;
                    return line;
                }

                return null;
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();

    private bool Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        _end += read;
        return read > 0;
    }

    private static string Decode(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        return Encoding.UTF8.GetString(line);
    }
}
