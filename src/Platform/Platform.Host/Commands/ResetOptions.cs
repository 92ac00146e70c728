using System.CommandLine;
using System.Globalization;

namespace Platform.Host.Commands;

/// <summary>Where <c>reset-offsets</c> moves each partition.</summary>
internal enum ResetScenario
{
    Earliest,
    Latest,
    Offset,
    DateTime,
    ShiftBy,
}

/// <summary>A parsed <c>reset-offsets</c> request.</summary>
/// <param name="Topics">Topics with optional partition lists; null for --all-topics (the partitions the group has offsets for).</param>
/// <param name="Scenario">The target.</param>
/// <param name="Value">The offset, shift or timestamp (Unix ms) of the scenario.</param>
/// <param name="Execute">Whether to commit (else a dry run that prints the plan).</param>
internal sealed record ResetRequest(IReadOnlyList<(string Topic, int[]? Partitions)>? Topics, ResetScenario Scenario, long Value, bool Execute);

/// <summary>The options of <c>reset-offsets</c>, as in kafka-consumer-groups.sh.</summary>
internal sealed class ResetOptions
{
    private static readonly string[] DateFormats = ["yyyy-MM-dd'T'HH:mm:ss.FFF", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFK", "yyyy-MM-dd'T'HH:mm:ssK"];

    private readonly Option<string[]> _topic = new("--topic") { Description = "A topic, or topic:partition,partition (repeatable)." };
    private readonly Option<bool> _allTopics = new("--all-topics") { Description = "Every topic the group has committed offsets for." };
    private readonly Option<bool> _toEarliest = new("--to-earliest") { Description = "Reset to the earliest offset." };
    private readonly Option<bool> _toLatest = new("--to-latest") { Description = "Reset to the latest offset." };
    private readonly Option<long?> _toOffset = new("--to-offset") { Description = "Reset to this offset (kept within the log)." };
    private readonly Option<string?> _toDatetime = new("--to-datetime") { Description = "Reset to the first offset at or after this time, YYYY-MM-DDTHH:mm:SS.sss (UTC unless a zone is given)." };
    private readonly Option<long?> _shiftBy = new("--shift-by") { Description = "Move the committed offset by N (negative to go back; kept within the log)." };
    private readonly Option<bool> _dryRun = new("--dry-run") { Description = "Only print the new offsets (the default)." };
    private readonly Option<bool> _execute = new("--execute") { Description = "Commit the new offsets." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _topic, _allTopics, _toEarliest, _toLatest, _toOffset, _toDatetime, _shiftBy, _dryRun, _execute })
        {
            command.Options.Add(option);
        }

        command.Validators.Add(r =>
        {
            if ((r.GetResult(_topic) is null) == (r.GetResult(_allTopics) is null))
            {
                r.AddError("Exactly one of --topic and --all-topics is required.");
            }

            var scenarios = new Option[] { _toEarliest, _toLatest, _toOffset, _toDatetime, _shiftBy }.Count(o => r.GetResult(o) is not null);
            if (scenarios != 1)
            {
                r.AddError("Exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by is required.");
            }

            if (r.GetResult(_dryRun) is not null && r.GetResult(_execute) is not null)
            {
                r.AddError("--dry-run and --execute cannot be used together.");
            }

            if (r.GetResult(_toDatetime) is { } date && !TryParseDate(date.GetValueOrDefault<string?>(), out _))
            {
                r.AddError($"--to-datetime '{date.GetValueOrDefault<string?>()}' is not YYYY-MM-DDTHH:mm:SS.sss.");
            }

            foreach (var token in r.GetResult(_topic)?.Tokens ?? [])
            {
                if (!TryParseTopic(token.Value, out _))
                {
                    r.AddError($"--topic '{token.Value}' is not topic or topic:partition,partition.");
                }
            }
        });
    }

    public ResetRequest Parse(ParseResult parse)
    {
        var topics = parse.GetValue(_allTopics) ? null : (parse.GetValue(_topic) ?? []).Select(t => TryParseTopic(t, out var parsed) ? parsed : default).ToList();
        var (scenario, value) = parse.GetValue(_toEarliest) ? (ResetScenario.Earliest, 0L)
            : parse.GetValue(_toLatest) ? (ResetScenario.Latest, 0L)
            : parse.GetValue(_toOffset) is { } offset ? (ResetScenario.Offset, offset)
            : parse.GetValue(_shiftBy) is { } shift ? (ResetScenario.ShiftBy, shift)
            : TryParseDate(parse.GetValue(_toDatetime), out var ms) ? (ResetScenario.DateTime, ms) : (ResetScenario.Earliest, 0L);
        return new ResetRequest(topics, scenario, value, parse.GetValue(_execute));
    }

    private static bool TryParseTopic(string text, out (string Topic, int[]? Partitions) topic)
    {
        topic = default;
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            topic = (text, null);
            return text.Length > 0;
        }

        var partitions = new List<int>();
        foreach (var part in text[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                return false;
            }

            partitions.Add(p);
        }

        topic = (text[..colon], [.. partitions]);
        return colon > 0;
    }

    private static bool TryParseDate(string? text, out long unixMs)
    {
        unixMs = 0;
        if (!DateTimeOffset.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return false;
        }

        unixMs = time.ToUnixTimeMilliseconds();
        return true;
    }
}
