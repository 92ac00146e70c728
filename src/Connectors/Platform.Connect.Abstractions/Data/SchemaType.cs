namespace Platform.Connect.Data;

#pragma warning disable CS1591 // The members are the type names of Kafka Connect's data model.

/// <summary>The types of Kafka Connect's data model, with Kafka's names in lower case on the wire.</summary>
public enum SchemaType
{
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Boolean,
    String,
    Bytes,
    Array,
    Map,
    Struct,
}
