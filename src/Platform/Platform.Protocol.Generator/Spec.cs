namespace Platform.Protocol.Generator;

internal enum FieldKind
{
    Bool,
    Int8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    Float64,
    String,
    Bytes,
    Records,
    Uuid,
    Struct,
}

/// <summary>One field of a message or struct, as the generator needs it: names, types and versions only.</summary>
internal sealed record FieldSpec(
    string Name,
    FieldKind Kind,
    bool IsArray,
    string? StructName,
    VersionRange Versions,
    VersionRange NullableVersions,
    VersionRange TaggedVersions,
    int? Tag,
    bool Ignorable,
    string? Default,
    VersionRange? FlexibleVersions)
{
    public bool IsTagged => Tag is not null;

    public bool IsNullableType => !NullableVersions.IsNone;

    /// <summary>The versions in which the field is on the wire at all (inline or tagged).</summary>
    public VersionRange Present => IsTagged ? Versions.Intersect(TaggedVersions) : Versions;

    public bool DefaultsToNull => IsNullableType && Default == "null";
}

internal sealed record StructSpec(string Name, IReadOnlyList<FieldSpec> Fields);

internal sealed record MessageSpec(
    string Name,
    string Type,
    short? ApiKey,
    VersionRange ValidVersions,
    VersionRange FlexibleVersions,
    IReadOnlyList<FieldSpec> Fields,
    IReadOnlyList<StructSpec> Structs)
{
    public bool IsRequest => Type == "request";

    public bool IsResponse => Type == "response";

    public StructSpec Root => new(Name, Fields);
}
