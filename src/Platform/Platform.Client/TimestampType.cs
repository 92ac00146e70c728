namespace Platform.Client;

/// <summary>What a record's timestamp means.</summary>
public enum TimestampType
{
    /// <summary>No timestamp.</summary>
    NotAvailable = 0,

    /// <summary>Set by the producer (or the client when the application gave none).</summary>
    CreateTime = 1,

    /// <summary>Set by the broker when it appended the record (topic <c>message.timestamp.type=LogAppendTime</c>).</summary>
    LogAppendTime = 2,
}
