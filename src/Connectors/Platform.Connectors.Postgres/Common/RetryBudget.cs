using Platform.Connect;

namespace Platform.Connectors.Postgres.Common;

/// <summary>
/// Counts consecutive failed attempts against the database: the first ones become a
/// <see cref="RetriableException"/> (the runtime backs off and calls again), the last one a
/// <see cref="ConnectException"/> that fails the task with the reason. A success resets the count.
/// </summary>
internal sealed class RetryBudget(int maxAttempts, string what)
{
    private int _failures;

    public int Failures => _failures;

    public void Succeeded() => _failures = 0;

    public ConnectException Failed(Exception cause)
    {
        _failures++;
        var reason = cause.InnerException is { } inner && cause.Message.Contains("exception", StringComparison.OrdinalIgnoreCase)
            ? $"{cause.Message} ({inner.Message})"
            : cause.Message;
        return _failures < maxAttempts
            ? new RetriableException($"{what} failed (attempt {_failures} of {maxAttempts}): {reason}", cause)
            : new ConnectException($"{what} failed after {_failures} attempts, giving up: {reason}", cause);
    }
}
