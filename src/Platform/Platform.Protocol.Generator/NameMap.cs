namespace Platform.Protocol.Generator;

/// <summary>
/// Maps spec struct names to C# nested class names. C# forbids a nested type and a member of the
/// same class sharing a name (Java allows it), so a struct named like a top-level field, or like
/// the message itself, gets a "Data" suffix.
/// </summary>
internal sealed class NameMap
{
    private readonly Dictionary<string, string> _classes = new(StringComparer.Ordinal);

    public NameMap(MessageSpec message)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal) { message.Name, "ApiKey", "Read", "Write", "HasDefaultValues" };
        foreach (var field in message.Fields)
        {
            taken.Add(field.Name);
        }

        foreach (var spec in message.Structs)
        {
            var name = spec.Name;
            // A nested class also may not hold a property named like itself.
            while (taken.Contains(name) || spec.Fields.Any(f => f.Name == name))
            {
                name += "Data";
            }

            _classes[spec.Name] = name;
        }
    }

    public string Class(string structName) => _classes[structName];
}
