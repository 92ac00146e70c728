namespace Platform.Protocol.Generator;

/// <summary>Emits <c>Read(ref KafkaReader, short)</c> for one struct.</summary>
internal static class ReadEmitter
{
    public static void Emit(CodeBuilder code, EmitContext context, StructSpec spec, string className)
    {
        code.Open("public void Read(ref KafkaReader reader, short version)");
        if (context.CompactVariable == "compact")
        {
            code.Line($"var compact = {context.Flexible};");
        }

        var blocks = new VersionBlocks(code);
        foreach (var field in spec.Fields)
        {
            var present = field.Versions.Condition(context.Bounds);
            if (field.IsTagged || present == "false")
            {
                continue;
            }

            blocks.Enter(present);
            ReadField(code, context, field, context.Compact(field), className);
        }

        blocks.Exit();
        EmitTaggedSection(code, context, spec, className);
        code.Close();
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
            code.Line("reader.SkipTaggedFields();");
        }
        else
        {
            code.Line("var tagCount = reader.ReadUnsignedVarInt();");
            code.Open("for (var t = 0u; t < tagCount; t++)");
            code.Line("var tag = reader.ReadUnsignedVarInt();");
            code.Line("var size = (int)reader.ReadUnsignedVarInt();");
            code.Open("switch (tag)");
            foreach (var field in tagged)
            {
                var present = field.Present.Condition(context.Bounds);
                code.Open(present == "true" ? $"case {field.Tag}:" : $"case {field.Tag} when {present}:");
                ReadField(code, context, field, "true", className);
                code.Line("break;");
                code.Close();
            }

            code.Line("default:");
            code.Line("    reader.Skip(size);");
            code.Line("    break;");
            code.Close();
            code.Close();
        }

        if (open)
        {
            code.Close();
        }
    }

    private static void ReadField(CodeBuilder code, EmitContext context, FieldSpec field, string compact, string className)
    {
        var name = field.Name;
        var nullable = context.Nullable(field);
        if (field.IsArray)
        {
            ReadArray(code, context, field, compact, nullable, className);
            return;
        }

        switch (field.Kind)
        {
            case FieldKind.String:
            case FieldKind.Bytes:
                var kind = field.Kind == FieldKind.String ? "String" : "Bytes";
                code.Line(nullable switch
                {
                    "true" => $"{name} = reader.ReadNullable{kind}({compact});",
                    "false" => $"{name} = reader.Read{kind}({compact});",
                    _ => $"{name} = {nullable} ? reader.ReadNullable{kind}({compact}) : reader.Read{kind}({compact});",
                });
                break;
            case FieldKind.Records:
                code.Line($"{name} = reader.ReadRecords({compact});");
                if (nullable != "true")
                {
                    var check = nullable == "false" ? $"{name} is null" : $"{name} is null && !({nullable})";
                    code.Open($"if ({check})");
                    code.Line($"throw MessageErrors.NullOnWire(\"{className}.{name}\");");
                    code.Close();
                }

                break;
            case FieldKind.Struct:
                var type = context.Names.Class(field.StructName!);
                if (nullable != "false")
                {
                    var isNull = nullable == "true" ? "reader.ReadInt8() < 0" : $"{nullable} && reader.ReadInt8() < 0";
                    code.Open($"if ({isNull})");
                    code.Line($"{name} = null;");
                    code.Close();
                    code.Open("else");
                }
                else
                {
                    code.Open();
                }

                code.Line($"var value = new {type}();");
                code.Line("value.Read(ref reader, version);");
                code.Line($"{name} = value;");
                code.Close();
                break;
            default:
                code.Line($"{name} = reader.{ScalarReader(field.Kind)}();");
                break;
        }
    }

    private static void ReadArray(CodeBuilder code, EmitContext context, FieldSpec field, string compact, string nullable, string className)
    {
        var name = field.Name;
        var element = Types.Element(field, context.Names);
        code.Open();
        // ReadArrayLength refuses a count above the bytes left in the frame (every element takes at least one),
        // so a hostile count is a ProtocolException before the list below is allocated.
        code.Line($"var count = reader.ReadArrayLength({compact});");
        code.Open("if (count < 0)");
        if (nullable == "false")
        {
            code.Line($"throw MessageErrors.NullOnWire(\"{className}.{name}\");");
        }
        else
        {
            if (nullable != "true")
            {
                code.Open($"if (!({nullable}))");
                code.Line($"throw MessageErrors.NullOnWire(\"{className}.{name}\");");
                code.Close();
            }

            code.Line($"{name} = null;");
        }

        code.Close();
        if (nullable != "false")
        {
            code.Open("else");
        }

        code.Line($"var list = new List<{element}>(count);");
        code.Open("for (var i = 0; i < count; i++)");
        switch (field.Kind)
        {
            case FieldKind.Struct:
                code.Line($"var item = new {element}();");
                code.Line("item.Read(ref reader, version);");
                code.Line("list.Add(item);");
                break;
            case FieldKind.String:
                code.Line($"list.Add(reader.ReadString({compact}));");
                break;
            case FieldKind.Bytes:
                code.Line($"list.Add(reader.ReadBytes({compact}));");
                break;
            default:
                code.Line($"list.Add(reader.{ScalarReader(field.Kind)}());");
                break;
        }

        code.Close();
        code.Line($"{name} = list;");
        if (nullable != "false")
        {
            code.Close();
        }

        code.Close();
    }

    private static string ScalarReader(FieldKind kind) => kind switch
    {
        FieldKind.Bool => "ReadBool",
        FieldKind.Int8 => "ReadInt8",
        FieldKind.Int16 => "ReadInt16",
        FieldKind.UInt16 => "ReadUInt16",
        FieldKind.Int32 => "ReadInt32",
        FieldKind.UInt32 => "ReadUInt32",
        FieldKind.Int64 => "ReadInt64",
        FieldKind.Float64 => "ReadFloat64",
        FieldKind.Uuid => "ReadUuid",
        _ => throw new InvalidOperationException($"No scalar reader for {kind}."),
    };
}
