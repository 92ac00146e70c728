using System.Globalization;

namespace Platform.Connectors.Syslog;

/// <summary>
/// Splits a TCP stream into syslog frames (RFC 6587): newline-terminated, or octet-counted
/// (<c>LENGTH SP MESSAGE</c>). A frame longer than the limit is returned as an oversized frame (its first bytes)
/// and the rest of it skipped, so one bad sender line does not end the connection.
/// </summary>
internal sealed class SyslogFrameReader(Stream stream, string framing, int maxMessageBytes)
{
    private readonly byte[] _buffer = new byte[Math.Max(maxMessageBytes + 16, 8192)];
    private int _start;
    private int _end;

    /// <summary>The next frame: its bytes (possibly cut at the limit) and whether it was too long; null at end of stream.</summary>
    public async Task<(byte[] Frame, bool Oversized)?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // Skip the empty lines between frames (a CRLF split across reads, keep-alive newlines).
            while (_start < _end && _buffer[_start] is (byte)'\n' or (byte)'\r')
            {
                _start++;
            }

            if (_start < _end)
            {
                var octetCounted = framing == "octet-counted" || (framing == "auto" && _buffer[_start] is >= (byte)'1' and <= (byte)'9');
                return octetCounted ? await ReadOctetCountedAsync(cancellationToken).ConfigureAwait(false) : await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }
    }

    private async Task<(byte[], bool)?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline > maxMessageBytes)
            {
                var head = Take(maxMessageBytes);
                _start += newline - maxMessageBytes + 1;
                return (head, true);
            }

            if (newline >= 0)
            {
                var line = Take(newline);
                _start++;
                return (TrimCr(line), false);
            }

            if (_end - _start > maxMessageBytes)
            {
                var head = Take(maxMessageBytes);
                await SkipPastNewlineAsync(cancellationToken).ConfigureAwait(false);
                return (head, true);
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                // The sender closed after a last line without newline: it is still a message.
                return _end > _start ? (TrimCr(Take(_end - _start)), false) : null;
            }
        }
    }

    private async Task<(byte[], bool)?> ReadOctetCountedAsync(CancellationToken cancellationToken)
    {
        int space;
        while ((space = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)' ')) < 0)
        {
            if (_end - _start > 10 || !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidDataException("an octet-counted frame must start with its length and a space");
            }
        }

        if (!int.TryParse(_buffer.AsSpan(_start, space), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            throw new InvalidDataException("an octet-counted frame must start with its length and a space");
        }

        _start += space + 1;
        var wanted = Math.Min(length, maxMessageBytes);
        while (_end - _start < wanted)
        {
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidDataException($"the connection closed inside a frame of {length} bytes");
            }
        }

        var frame = Take(wanted);
        for (var remaining = length - wanted; remaining > 0;)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                break;
            }

            var skip = Math.Min(remaining, _end - _start);
            _start += skip;
            remaining -= skip;
        }

        return (frame, length > wanted);
    }

    private async Task SkipPastNewlineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                _start += newline + 1;
                return;
            }

            _start = _end;
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private byte[] Take(int count)
    {
        var bytes = _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        return bytes;
    }

    private static byte[] TrimCr(byte[] line) => line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            return true;
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }
}
