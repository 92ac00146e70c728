namespace Platform.Connect.Data;

/// <summary>A named, positioned field of a struct schema.</summary>
/// <param name="Name">The field's name.</param>
/// <param name="Index">Its position in the struct.</param>
/// <param name="Schema">Its schema.</param>
public sealed record Field(string Name, int Index, Schema Schema);
