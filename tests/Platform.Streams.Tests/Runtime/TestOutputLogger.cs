using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Platform.Streams.Tests.Runtime;

/// <summary>Sends log lines to the test's output, so a failing integration test shows what the runtime did.</summary>
internal sealed class TestOutputLogger(ITestOutputHelper output) : ILoggerProvider
{
    public static ILoggerFactory Factory(ITestOutputHelper output)
        => LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new TestOutputLogger(output)));

    public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test ended; its output is closed.
            }
        }
    }
}
