namespace Platform.Connect.Rest;

/// <summary>An error the REST API answers with <c>{"error_code": STATUS, "message": ...}</c>, as Kafka Connect does.</summary>
public sealed class ConnectRestException : ConnectException
{
    /// <summary>An error with an HTTP status.</summary>
    public ConnectRestException(int statusCode, string message) : base(message) => StatusCode = statusCode;

    /// <summary>A 500 error.</summary>
    public ConnectRestException(string message) : this(500, message) { }

    /// <summary>A 500 error with a cause.</summary>
    public ConnectRestException(string message, Exception innerException) : base(message, innerException) => StatusCode = 500;

    /// <summary>A 500 error.</summary>
    public ConnectRestException() : this(500, "Internal error") { }

    /// <summary>The HTTP status.</summary>
    public int StatusCode { get; }

    /// <summary>404 for a connector that does not exist.</summary>
    public static ConnectRestException NotFound(string connector) => new(404, $"Connector {connector} not found");
}
