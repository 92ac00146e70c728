namespace Platform.Connect.Config;

#pragma warning disable CS1591 // Kafka's config type and importance names.

/// <summary>The types of configuration values, with Kafka's names (<c>BOOLEAN</c>, <c>STRING</c>, ...).</summary>
public enum ConfigType
{
    Boolean,
    String,
    Int,
    Long,
    Double,
    List,
    Class,
    Password,
}

/// <summary>How much a user needs to care about a key.</summary>
public enum Importance
{
    High,
    Medium,
    Low,
}
