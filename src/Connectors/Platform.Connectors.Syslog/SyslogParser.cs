using System.Globalization;
using Platform.Connect;
using Platform.Connect.Data;

namespace Platform.Connectors.Syslog;

/// <summary>
/// Parses syslog messages into <see cref="MessageSchema"/> structs: RFC 5424
/// (<c>&lt;PRI&gt;1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG</c>, "-" for absent fields) and
/// RFC 3164 (<c>&lt;PRI&gt;Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG</c>, leniently: a missing timestamp or host
/// leaves those fields empty). Timestamps are kept as written: RFC 3164's have no year nor zone.
/// </summary>
internal static class SyslogParser
{
    public static readonly Schema MessageSchema = SchemaBuilder.Struct().Name("syslog.message")
        .Field("format", Schema.StringSchema)
        .Field("facility", Schema.OptionalInt32Schema)
        .Field("severity", Schema.OptionalInt32Schema)
        .Field("version", Schema.OptionalInt32Schema)
        .Field("timestamp", Schema.OptionalStringSchema)
        .Field("hostname", Schema.OptionalStringSchema)
        .Field("app_name", Schema.OptionalStringSchema)
        .Field("proc_id", Schema.OptionalStringSchema)
        .Field("msg_id", Schema.OptionalStringSchema)
        .Field("structured_data", Schema.OptionalStringSchema)
        .Field("message", Schema.OptionalStringSchema)
        .Build();

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>Parses <paramref name="text"/> per <paramref name="format"/> (rfc5424, rfc3164 or auto).</summary>
    /// <exception cref="DataException">The message does not follow the format; says where.</exception>
    public static Struct Parse(string text, string format)
    {
        var rest = ReadPriority(text, out var priority);
        var is5424 = rest.Length >= 2 && rest[0] == '1' && rest[1] == ' ';
        return format switch
        {
            "rfc5424" => is5424 ? Parse5424(rest, priority) : throw new DataException("not RFC 5424: the priority must be followed by version 1"),
            "rfc3164" => Parse3164(rest, priority),
            _ => is5424 ? Parse5424(rest, priority) : Parse3164(rest, priority),
        };
    }

    private static string ReadPriority(string text, out int priority)
    {
        var close = text.IndexOf('>', StringComparison.Ordinal);
        if (text.Length < 3 || text[0] != '<' || close < 2 || close > 4
            || !int.TryParse(text.AsSpan(1, close - 1), NumberStyles.None, CultureInfo.InvariantCulture, out priority) || priority > 191)
        {
            throw new DataException("a syslog message starts with <PRI>, a priority from 0 to 191");
        }

        return text[(close + 1)..];
    }

    private static Struct Parse5424(string rest, int priority)
    {
        var position = 2; // after "1 "
        var timestamp = Token(rest, ref position, "TIMESTAMP");
        var hostname = Token(rest, ref position, "HOSTNAME");
        var appName = Token(rest, ref position, "APP-NAME");
        var procId = Token(rest, ref position, "PROCID");
        var msgId = Token(rest, ref position, "MSGID");
        var structuredData = StructuredData(rest, ref position);
        string? message = null;
        if (position < rest.Length)
        {
            if (rest[position] != ' ')
            {
                throw new DataException($"expected a space after STRUCTURED-DATA at column {position + 1}");
            }

            message = rest[(position + 1)..].TrimStart('\uFEFF');
        }

        return Message("rfc5424", priority, 1, Nil(timestamp), Nil(hostname), Nil(appName), Nil(procId), Nil(msgId), Nil(structuredData), message);
    }

    private static Struct Parse3164(string rest, int priority)
    {
        string? timestamp = null;
        string? hostname = null;
        if (rest.Length >= 16 && Array.IndexOf(Months, rest[..3]) >= 0 && rest[3] == ' ' && rest[15] == ' '
            && TimeOnly.TryParseExact(rest.AsSpan(7, 8), "HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            timestamp = rest[..15];
            rest = rest[16..];
            var space = rest.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0)
            {
                hostname = rest[..space];
                rest = rest[(space + 1)..];
            }
        }

        // TAG is up to 32 alphanumerics, optionally [PID], then ": " before the content.
        string? tag = null;
        string? pid = null;
        var end = 0;
        while (end < rest.Length && end <= 32 && (char.IsAsciiLetterOrDigit(rest[end]) || rest[end] is '-' or '_' or '.' or '/'))
        {
            end++;
        }

        if (end > 0 && end < rest.Length && rest[end] is '[' or ':')
        {
            tag = rest[..end];
            if (rest[end] == '[' && rest.IndexOf(']', end) is var close and > 0)
            {
                pid = rest[(end + 1)..close];
                end = close + 1;
            }

            if (end < rest.Length && rest[end] == ':')
            {
                end++;
            }

            rest = rest[end..].TrimStart(' ');
        }

        return Message("rfc3164", priority, null, timestamp, hostname, tag, pid, null, null, rest);
    }

    private static Struct Message(string format, int priority, int? version, string? timestamp, string? hostname, string? appName,
        string? procId, string? msgId, string? structuredData, string? message)
        => new Struct(MessageSchema)
            .Put("format", format)
            .Put("facility", priority / 8)
            .Put("severity", priority % 8)
            .Put("version", version)
            .Put("timestamp", timestamp)
            .Put("hostname", hostname)
            .Put("app_name", appName)
            .Put("proc_id", procId)
            .Put("msg_id", msgId)
            .Put("structured_data", structuredData)
            .Put("message", message);

    private static string Token(string text, ref int position, string name)
    {
        var space = text.IndexOf(' ', position);
        if (space <= position)
        {
            throw new DataException($"RFC 5424 {name} missing at column {position + 1}");
        }

        var token = text[position..space];
        position = space + 1;
        return token;
    }

    // STRUCTURED-DATA is "-" or one or more [ID param="value" ...] elements; values may hold \" and \].
    private static string StructuredData(string text, ref int position)
    {
        var start = position;
        if (position < text.Length && text[position] == '-')
        {
            position++;
            return "-";
        }

        while (position < text.Length && text[position] == '[')
        {
            var quoted = false;
            position++;
            while (true)
            {
                if (position >= text.Length)
                {
                    throw new DataException("RFC 5424 STRUCTURED-DATA element is not closed");
                }

                var c = text[position++];
                if (quoted && c == '\\')
                {
                    position++;
                }
                else if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (c == ']' && !quoted)
                {
                    break;
                }
            }
        }

        if (position == start)
        {
            throw new DataException($"RFC 5424 STRUCTURED-DATA missing at column {start + 1}");
        }

        return text[start..position];
    }

    private static string? Nil(string value) => value == "-" ? null : value;
}
