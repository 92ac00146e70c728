namespace Platform.Client.Serialization;

/// <summary>Which part of a record a serializer is working on.</summary>
public enum MessageComponentType
{
    /// <summary>The record key.</summary>
    Key = 1,

    /// <summary>The record value.</summary>
    Value = 2,
}
