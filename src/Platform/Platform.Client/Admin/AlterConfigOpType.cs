namespace Platform.Client.Admin;

/// <summary>What an incremental config change does (Kafka's wire values).</summary>
public enum AlterConfigOpType : sbyte
{
    /// <summary>Set the value.</summary>
    Set = 0,

    /// <summary>Remove the value, reverting to the default.</summary>
    Delete = 1,

    /// <summary>Add to a list value.</summary>
    Append = 2,

    /// <summary>Remove from a list value.</summary>
    Subtract = 3,
}
