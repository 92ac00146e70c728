namespace Platform.Connect;

/// <summary>The base of Connect's errors: a connector or the runtime failed.</summary>
public class ConnectException : Exception
{
    /// <summary>An error with a message.</summary>
    public ConnectException(string message) : base(message) { }

    /// <summary>An error with a message and a cause.</summary>
    public ConnectException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>An error without a message.</summary>
    public ConnectException() { }
}

/// <summary>A failure that may pass if retried (database down, HTTP 5xx, broker unavailable): the runtime retries with backoff.</summary>
public class RetriableException : ConnectException
{
    /// <summary>An error with a message.</summary>
    public RetriableException(string message) : base(message) { }

    /// <summary>An error with a message and a cause.</summary>
    public RetriableException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>An error without a message.</summary>
    public RetriableException() { }
}

/// <summary>A record's data could not be converted or does not fit its schema: subject to <c>errors.tolerance</c>.</summary>
public class DataException : ConnectException
{
    /// <summary>An error with a message.</summary>
    public DataException(string message) : base(message) { }

    /// <summary>An error with a message and a cause.</summary>
    public DataException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>An error without a message.</summary>
    public DataException() { }
}
