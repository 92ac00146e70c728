using Microsoft.Extensions.Logging;

namespace Platform.Examples;

/// <summary>The examples' own log messages.</summary>
internal static partial class ExampleLog
{
    [LoggerMessage(EventId = 9900, Level = LogLevel.Information, Message = "Created topics {Topics}")]
    public static partial void CreatedTopics(ILogger logger, IReadOnlyList<string> topics);
}
