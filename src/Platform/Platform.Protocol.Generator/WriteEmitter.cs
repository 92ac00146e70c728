namespace Platform.Protocol.Generator;

/// <summary>Emits <c>Write(KafkaWriter, short)</c> for one struct.</summary>
internal static class WriteEmitter
{
    public static void Emit(CodeBuilder code, EmitContext context, StructSpec spec, string className)
    {
        code.Open("public void Write(KafkaWriter writer, short version)");
        if (context.CompactVariable == "compact")
        {
            code.Line($"var compact = {context.Flexible};");
        }

        EmitUnsupportedChecks(code, context, spec, className);
        var blocks = new VersionBlocks(code);
        foreach (var field in spec.Fields)
        {
            var present = field.Versions.Condition(context.Bounds);
            if (field.IsTagged || present == "false")
            {
                continue;
            }

            blocks.Enter(present);
            WriteField(code, context, field, context.Compact(field), "writer", className);
        }

        blocks.Exit();
        EmitTaggedSection(code, context, spec, className);
        code.Close();
    }

    /// <summary>As Kafka does: a non-default value in a version without the field is an error unless the field is ignorable.</summary>
    private static void EmitUnsupportedChecks(CodeBuilder code, EmitContext context, StructSpec spec, string className)
    {
        foreach (var field in spec.Fields)
        {
            var present = field.Present.Condition(context.Bounds);
            if (field.Ignorable || present == "true")
            {
                continue;
            }

            var nonDefault = Types.NonDefault(field, field.Name);
            code.Open(present == "false" ? $"if ({nonDefault})" : $"if (!({present}) && {nonDefault})");
            code.Line($"throw MessageErrors.Unsupported(\"{className}.{field.Name}\", version);");
            code.Close();
        }
    }

    private static void EmitTaggedSection(CodeBuilder code, EmitContext context, StructSpec spec, string className)
    {
        if (context.Flexible == "false")
        {
            return;
        }

        var tagged = spec.Fields
            .Where(f => f.IsTagged && f.Present.Condition(context.Bounds) != "false")
            .OrderBy(f => f.Tag)
            .ToList();
        var open = context.Flexible != "true";
        if (open)
        {
            code.Open("if (compact)");
        }

        if (tagged.Count == 0)
        {
            code.Line("writer.WriteUnsignedVarInt(0);");
        }
        else
        {
            code.Line("var tagCount = 0u;");
            foreach (var field in tagged)
            {
                code.Open($"if ({TaggedCondition(context, field)})");
                code.Line("tagCount++;");
                code.Close();
            }

            code.Line("writer.WriteUnsignedVarInt(tagCount);");
            foreach (var field in tagged)
            {
                code.Open($"if ({TaggedCondition(context, field)})");
                code.Line($"writer.WriteUnsignedVarInt({field.Tag});");
                var size = FixedSize(field);
                if (size > 0)
                {
                    code.Line($"writer.WriteUnsignedVarInt({size});");
                    WriteField(code, context, field, "true", "writer", className);
                }
                else
                {
                    // The size precedes the value, so the value is written aside first.
                    code.Line("using var tagged = new KafkaWriter();");
                    WriteField(code, context, field, "true", "tagged", className);
                    code.Line("writer.WriteSized(tagged);");
                }

                code.Close();
            }
        }

        if (open)
        {
            code.Close();
        }
    }

    private static string TaggedCondition(EmitContext context, FieldSpec field)
    {
        var present = field.Present.Condition(context.Bounds);
        var nonDefault = Types.NonDefault(field, field.Name);
        return present == "true" ? nonDefault : $"{present} && {nonDefault}";
    }

    private static int FixedSize(FieldSpec field) => field.IsArray ? 0 : field.Kind switch
    {
        FieldKind.Bool or FieldKind.Int8 => 1,
        FieldKind.Int16 or FieldKind.UInt16 => 2,
        FieldKind.Int32 or FieldKind.UInt32 => 4,
        FieldKind.Int64 or FieldKind.Float64 => 8,
        FieldKind.Uuid => 16,
        _ => 0,
    };

    private static void WriteField(CodeBuilder code, EmitContext context, FieldSpec field, string compact, string writer, string className)
    {
        var name = field.Name;
        if (!field.IsArray && !Types.IsReference(field))
        {
            code.Line($"{writer}.{ScalarWriter(field.Kind)}({name});");
            return;
        }

        var nullable = context.Nullable(field);
        if (nullable != "true")
        {
            code.Open(nullable == "false" ? $"if ({name} is null)" : $"if ({name} is null && !({nullable}))");
            code.Line($"throw MessageErrors.NullField(\"{className}.{name}\", version);");
            code.Close();
        }

        if (field.IsArray)
        {
            WriteArray(code, field, compact, writer, nullable);
            return;
        }

        switch (field.Kind)
        {
            case FieldKind.String:
                code.Line($"{writer}.WriteNullableString({name}, {compact});");
                break;
            case FieldKind.Bytes:
                code.Line($"{writer}.WriteNullableBytes({name}, {compact});");
                break;
            case FieldKind.Records:
                code.Line($"{writer}.WriteRecords({name}, {compact});");
                break;
            default:
                if (nullable == "false")
                {
                    code.Line($"{name}.Write({writer}, version);");
                    break;
                }

                code.Open($"if ({name} is null)");
                code.Line($"{writer}.WriteInt8(-1);");
                code.Close();
                code.Open("else");
                if (nullable == "true")
                {
                    code.Line($"{writer}.WriteInt8(1);");
                }
                else
                {
                    code.Open($"if ({nullable})");
                    code.Line($"{writer}.WriteInt8(1);");
                    code.Close();
                }

                code.Line($"{name}.Write({writer}, version);");
                code.Close();
                break;
        }
    }

    private static void WriteArray(CodeBuilder code, FieldSpec field, string compact, string writer, string nullable)
    {
        var name = field.Name;
        if (nullable != "false")
        {
            code.Open($"if ({name} is null)");
            code.Line($"{writer}.WriteArrayLength(-1, {compact});");
            code.Close();
            code.Open("else");
        }

        code.Line($"{writer}.WriteArrayLength({name}.Count, {compact});");
        code.Open($"foreach (var item in {name})");
        code.Line(field.Kind switch
        {
            FieldKind.Struct => $"item.Write({writer}, version);",
            FieldKind.String => $"{writer}.WriteString(item, {compact});",
            FieldKind.Bytes => $"{writer}.WriteBytes(item, {compact});",
            _ => $"{writer}.{ScalarWriter(field.Kind)}(item);",
        });
        code.Close();
        if (nullable != "false")
        {
            code.Close();
        }
    }

    private static string ScalarWriter(FieldKind kind) => kind switch
    {
        FieldKind.Bool => "WriteBool",
        FieldKind.Int8 => "WriteInt8",
        FieldKind.Int16 => "WriteInt16",
        FieldKind.UInt16 => "WriteUInt16",
        FieldKind.Int32 => "WriteInt32",
        FieldKind.UInt32 => "WriteUInt32",
        FieldKind.Int64 => "WriteInt64",
        FieldKind.Float64 => "WriteFloat64",
        FieldKind.Uuid => "WriteUuid",
        _ => throw new InvalidOperationException($"No scalar writer for {kind}."),
    };
}
