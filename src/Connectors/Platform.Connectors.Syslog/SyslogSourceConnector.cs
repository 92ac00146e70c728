using System.Globalization;
using System.Net;
using Platform.Connect.Config;
using Platform.Connect.Connectors;

namespace Platform.Connectors.Syslog;

/// <summary>
/// Flume's syslog TCP / netcat source: listens on a TCP port and emits every message as a record, either the raw
/// line or parsed (RFC 5424 or RFC 3164) into a struct of its fields. Frames are newline-terminated
/// (non-transparent framing, or plain netcat lines) or octet-counted (<c>LENGTH SP MESSAGE</c>, RFC 6587); with
/// <c>framing=auto</c> each frame is recognised by its first byte. A message that cannot be parsed goes to the
/// runtime's error handling with its raw text. TCP syslog has no acknowledgements: when the queue is full the
/// task stops reading from its connections so senders slow down, and messages queued but not yet produced are
/// lost if the worker dies.
/// </summary>
public sealed class SyslogSourceConnector : SourceConnector
{
    internal const string Listen = "listen";
    internal const string Topic = "topic";
    internal const string Format = "format";
    internal const string Framing = "framing";
    internal const string MaxMessageBytes = "max.message.bytes";
    internal const string MaxQueuedRecords = "max.queued.records";
    internal const string BatchSize = "batch.size";

    internal static readonly ConfigDef Definition = new ConfigDef()
        .Define(Listen, ConfigType.String, "127.0.0.1:5140", Importance.High,
            "host:port to listen on for TCP connections; host is an IP address, localhost, or * (all interfaces).", ValidateListen)
        .Define(Topic, ConfigType.String, ConfigDef.NoDefault, Importance.High, "The topic records are written to.", ConfigDef.Validators.NonEmptyString())
        .Define(Format, ConfigType.String, "auto", Importance.High,
            "'raw' (each message as a string, like Flume's netcat source), 'rfc5424' or 'rfc3164' (parsed into a struct: facility, severity, version, timestamp, hostname, app_name, proc_id, msg_id, structured_data, message), or 'auto' (RFC 5424 when the message says version 1, else RFC 3164).",
            allowedValues: ["raw", "rfc5424", "rfc3164", "auto"])
        .Define(Framing, ConfigType.String, "auto", Importance.Medium,
            "'newline' (each message ends with LF or CRLF), 'octet-counted' (each message is preceded by its length in bytes and a space, RFC 6587), or 'auto' (octet-counted when a frame starts with a digit).",
            allowedValues: ["auto", "newline", "octet-counted"])
        .Define(MaxMessageBytes, ConfigType.Int, 64 * 1024, Importance.Low,
            "The longest message accepted; a longer one is reported as an error and skipped.", ConfigDef.Validators.AtLeast(64))
        .Define(MaxQueuedRecords, ConfigType.Int, 100_000, Importance.Low,
            "Messages received but not yet handed to the producer; beyond this the task stops reading its connections.", ConfigDef.Validators.AtLeast(1))
        .Define(BatchSize, ConfigType.Int, 1000, Importance.Low, "The most records returned by one poll.", ConfigDef.Validators.AtLeast(1));

    private Dictionary<string, string> _config = [];

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override Type TaskType => typeof(SyslogSourceTask);

    /// <inheritdoc/>
    public override void Start(IReadOnlyDictionary<string, string> config)
    {
        Definition.Parse(config);
        _config = new Dictionary<string, string>(config, StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks) => [_config];

    /// <inheritdoc/>
    public override void Stop()
    {
    }

    /// <summary>The endpoint of a <c>host:port</c>, or null with <paramref name="problem"/> saying why.</summary>
    internal static IPEndPoint? ParseListen(string? text, out string? problem)
    {
        problem = null;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (text is null || colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            problem = "expected host:port, e.g. 127.0.0.1:5140";
            return null;
        }

        var host = text[..colon].Trim('[', ']');
        if (host is "*" or "0.0.0.0")
        {
            return new IPEndPoint(IPAddress.Any, port);
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        problem = $"'{host}' is not an IP address, localhost or *";
        return null;
    }

    private static string? ValidateListen(string key, object? value)
    {
        ParseListen(value as string, out var problem);
        return problem;
    }
}
