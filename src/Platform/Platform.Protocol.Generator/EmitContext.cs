namespace Platform.Protocol.Generator;

/// <summary>What the emitters need to know about the message whose classes they write.</summary>
internal sealed class EmitContext
{
    public EmitContext(MessageSpec message)
    {
        Message = message;
        Names = new NameMap(message);
        Flexible = message.FlexibleVersions.Condition(message.ValidVersions);
        DefaultChecked = FindDefaultChecked(message);
    }

    public MessageSpec Message { get; }

    public NameMap Names { get; }

    public VersionRange Bounds => Message.ValidVersions;

    /// <summary>"true", "false" or a condition on <c>version</c>: whether the version is flexible.</summary>
    public string Flexible { get; }

    /// <summary>The expression a Read/Write body uses for "this version is flexible".</summary>
    public string CompactVariable => Flexible is "true" or "false" ? Flexible : "compact";

    /// <summary>Structs whose instances are compared against their defaults, so they get HasDefaultValues().</summary>
    public HashSet<string> DefaultChecked { get; }

    public string Compact(FieldSpec field)
        => field.FlexibleVersions is { } own ? own.Condition(Bounds) : CompactVariable;

    /// <summary>Whether null may be written/read for <paramref name="field"/>, as a condition on the versions it exists in.</summary>
    public string Nullable(FieldSpec field) => field.NullableVersions.Condition(field.Present.Intersect(Bounds));

    public StructSpec Struct(string name)
    {
        foreach (var spec in Message.Structs)
        {
            if (spec.Name == name)
            {
                return spec;
            }
        }

        throw new InvalidDataException($"{Message.Name}: unknown struct type '{name}'.");
    }

    private HashSet<string> FindDefaultChecked(MessageSpec message)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>();
        foreach (var spec in message.Structs.Append(message.Root))
        {
            foreach (var field in spec.Fields)
            {
                if (field is { Kind: FieldKind.Struct, IsArray: false } && result.Add(field.StructName!))
                {
                    pending.Enqueue(field.StructName!);
                }
            }
        }

        while (pending.TryDequeue(out var name))
        {
            foreach (var field in Struct(name).Fields)
            {
                if (field is { Kind: FieldKind.Struct, IsArray: false } && result.Add(field.StructName!))
                {
                    pending.Enqueue(field.StructName!);
                }
            }
        }

        return result;
    }
}
