using Platform.Connect.Data;
using Platform.Connect.Plugins;
using Platform.Connect.Transforms;

namespace Platform.Connect.Tests;

public sealed class TransformTests
{
    private static readonly PluginRegistry Plugins = PluginRegistry.Scan();

    private static readonly Schema RowSchema = SchemaBuilder.Struct().Name("row")
        .Field("id", Schema.Int64Schema).Field("name", Schema.OptionalStringSchema).Field("ts", Schema.OptionalInt64Schema).Build();

    private static Struct Row() => new Struct(RowSchema).Put("id", 7L).Put("name", "ann").Put("ts", 1_700_000_000_000L);

    private static Dictionary<string, object?> Map() => new() { ["id"] = 7L, ["name"] = "ann", ["ts"] = 1_700_000_000_000L };

    private static SinkRecord Record(object? value, Schema? schema = null, string topic = "orders", IReadOnlyList<ConnectHeader>? headers = null)
        => new(topic, 2, null, "k", schema, value, 42, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), headers);

    private static ConnectRecord? Apply(ConnectRecord record, params (string Key, string Value)[] config)
    {
        using var chain = TransformationChain.Create(config.ToDictionary(c => c.Key, c => c.Value), Plugins);
        return chain.Apply(record);
    }

    [Fact]
    public void InsertField_SchemalessAndStruct_AddsTopicPartitionOffsetAndStatic()
    {
        var config = new[] { ("transforms", "i"), ("transforms.i.type", "org.apache.kafka.connect.transforms.InsertField$Value"),
            ("transforms.i.topic.field", "t"), ("transforms.i.partition.field", "p"), ("transforms.i.offset.field", "o!"),
            ("transforms.i.static.field", "s"), ("transforms.i.static.value", "v") };
        var map = (IDictionary<string, object?>)Apply(Record(Map()), config)!.Value!;
        Assert.Equal(("orders", 2, 42L, "v"), ((string)map["t"]!, (int)map["p"]!, (long)map["o"]!, (string)map["s"]!));

        var row = (Struct)Apply(Record(Row(), RowSchema), config)!.Value!;
        Assert.Equal("orders", row.Get("t"));
        Assert.Equal(42L, row.Get("o"));
        Assert.Equal(7L, row.Get("id"));
    }

    [Fact]
    public void ReplaceField_IncludeExcludeRenames_AppliedToMapAndStruct()
    {
        var config = new[] { ("transforms", "r"), ("transforms.r.type", "ReplaceField$Value"), ("transforms.r.exclude", "ts"), ("transforms.r.renames", "name:full_name") };
        var map = (IDictionary<string, object?>)Apply(Record(Map()), config)!.Value!;
        Assert.Equal(["id", "full_name"], map.Keys);
        var row = (Struct)Apply(Record(Row(), RowSchema), config)!.Value!;
        Assert.Equal(["id", "full_name"], row.Schema.Fields.Select(f => f.Name));
        Assert.Equal("ann", row.Get("full_name"));

        var include = (IDictionary<string, object?>)Apply(Record(Map()), ("transforms", "r"), ("transforms.r.type", "ReplaceField$Value"), ("transforms.r.include", "id"))!.Value!;
        Assert.Equal(["id"], include.Keys);
    }

    [Fact]
    public void MaskField_Fields_ReplacedWithEmptyOrReplacement()
    {
        var map = (IDictionary<string, object?>)Apply(Record(Map()), ("transforms", "m"), ("transforms.m.type", "MaskField$Value"), ("transforms.m.fields", "name,id"))!.Value!;
        Assert.Equal(("", 0L), ((string)map["name"]!, (long)map["id"]!));
        var row = (Struct)Apply(Record(Row(), RowSchema), ("transforms", "m"), ("transforms.m.type", "MaskField$Value"), ("transforms.m.fields", "name"), ("transforms.m.replacement", "***"))!.Value!;
        Assert.Equal("***", row.Get("name"));
    }

    [Fact]
    public void ExtractField_Field_ReplacesValueWithIt()
    {
        Assert.Equal("ann", Apply(Record(Map()), ("transforms", "e"), ("transforms.e.type", "ExtractField$Value"), ("transforms.e.field", "name"))!.Value);
        var extracted = Apply(Record(Row(), RowSchema), ("transforms", "e"), ("transforms.e.type", "ExtractField$Value"), ("transforms.e.field", "id"))!;
        Assert.Equal((7L, SchemaType.Int64), ((long)extracted.Value!, extracted.ValueSchema!.Type));
    }

    [Fact]
    public void ValueToKey_Fields_KeyBuiltFromValue()
    {
        var key = (IDictionary<string, object?>)Apply(Record(Map()), ("transforms", "v"), ("transforms.v.type", "org.apache.kafka.connect.transforms.ValueToKey"), ("transforms.v.fields", "id"))!.Key!;
        Assert.Equal(7L, key["id"]);
        var structKey = (Struct)Apply(Record(Row(), RowSchema), ("transforms", "v"), ("transforms.v.type", "ValueToKey"), ("transforms.v.fields", "id,name"))!.Key!;
        Assert.Equal("ann", structKey.Get("name"));
    }

    [Fact]
    public void HoistField_Field_WrapsKey()
    {
        var hoisted = Apply(Record(Map()), ("transforms", "h"), ("transforms.h.type", "HoistField$Key"), ("transforms.h.field", "k"))!;
        Assert.Equal("k", ((IDictionary<string, object?>)hoisted.Key!)["k"]);
        var withSchema = Apply(Record(Row(), RowSchema), ("transforms", "h"), ("transforms.h.type", "HoistField$Value"), ("transforms.h.field", "row"))!;
        Assert.Same(RowSchema, withSchema.ValueSchema!.Field("row")!.Schema);
    }

    [Fact]
    public void Cast_SpecPerFieldAndWhole_ConvertsTypes()
    {
        var map = (IDictionary<string, object?>)Apply(Record(Map()), ("transforms", "c"), ("transforms.c.type", "Cast$Value"), ("transforms.c.spec", "id:string,ts:float64"))!.Value!;
        Assert.Equal(("7", 1.7e12), ((string)map["id"]!, (double)map["ts"]!));
        var row = Apply(Record(Row(), RowSchema), ("transforms", "c"), ("transforms.c.type", "Cast$Value"), ("transforms.c.spec", "id:int32"))!;
        Assert.Equal(SchemaType.Int32, row.ValueSchema!.Field("id")!.Schema.Type);
        Assert.Equal(7, ((Struct)row.Value!).Get("id"));
        Assert.Equal("42", Apply(Record(42L, Schema.Int64Schema), ("transforms", "c"), ("transforms.c.type", "Cast$Value"), ("transforms.c.spec", "string"))!.Value);
    }

    [Fact]
    public void Cast_BadSpec_ConfigErrorNamesKey()
    {
        var e = Assert.Throws<Config.ConfigException>(() => Apply(Record(Map()), ("transforms", "c"), ("transforms.c.type", "Cast$Value"), ("transforms.c.spec", "id:date")));
        Assert.Equal("transforms.c.spec", e.Key);
    }

    [Fact]
    public void TimestampConverter_UnixToStringAndTimestamp_Converts()
    {
        var map = (IDictionary<string, object?>)Apply(Record(Map()), ("transforms", "t"), ("transforms.t.type", "TimestampConverter$Value"),
            ("transforms.t.field", "ts"), ("transforms.t.target.type", "string"), ("transforms.t.format", "yyyy-MM-dd'T'HH:mm:ss"))!.Value!;
        Assert.Equal("2023-11-14T22:13:20", map["ts"]);
        var row = Apply(Record(Row(), RowSchema), ("transforms", "t"), ("transforms.t.type", "TimestampConverter$Value"), ("transforms.t.field", "ts"), ("transforms.t.target.type", "Timestamp"))!;
        Assert.Equal(Data.Timestamp.LogicalName, row.ValueSchema!.Field("ts")!.Schema.Name);
        Assert.Equal(new DateTime(2023, 11, 14, 22, 13, 20, DateTimeKind.Utc), ((Struct)row.Value!).Get("ts"));
    }

    [Fact]
    public void Routers_RegexAndTimestamp_RenameTopic()
    {
        Assert.Equal("prod-orders", Apply(Record(Map()), ("transforms", "r"), ("transforms.r.type", "org.apache.kafka.connect.transforms.RegexRouter"),
            ("transforms.r.regex", "(.*)ders"), ("transforms.r.replacement", "prod-$1ders"))!.Topic);
        Assert.Equal("orders-20231114", Apply(Record(Map()), ("transforms", "r"), ("transforms.r.type", "TimestampRouter"))!.Topic);
    }

    [Fact]
    public void Filter_WithPredicates_DropsOnlyMatchingAndNegateInverts()
    {
        (string, string)[] Config(string predicateType, string key, string value, bool negate) =>
        [
            ("transforms", "f"), ("transforms.f.type", "Filter"), ("transforms.f.predicate", "p"), ("transforms.f.negate", negate ? "true" : "false"),
            ("predicates", "p"), ("predicates.p.type", predicateType), (key, value),
        ];

        Assert.Null(Apply(Record(Map()), Config("org.apache.kafka.connect.transforms.predicates.TopicNameMatches", "predicates.p.pattern", "ord.*", false)));
        Assert.NotNull(Apply(Record(Map(), topic: "users"), Config("TopicNameMatches", "predicates.p.pattern", "ord.*", false)));
        Assert.NotNull(Apply(Record(Map()), Config("TopicNameMatches", "predicates.p.pattern", "ord.*", true)));
        Assert.Null(Apply(Record(Map(), headers: [new ConnectHeader("trace", null, "x")]), Config("HasHeaderKey", "predicates.p.name", "trace", false)));
        Assert.NotNull(Apply(Record(Map()), Config("HasHeaderKey", "predicates.p.name", "trace", false)));
        Assert.Null(Apply(Record(null), Config("RecordIsTombstone", "predicates.p.x", "", false)));
        Assert.NotNull(Apply(Record(Map()), Config("RecordIsTombstone", "predicates.p.x", "", false)));
    }

    [Fact]
    public void Chain_UnknownTypeOrPredicate_ConfigErrorNamesKey()
    {
        var e = Assert.Throws<Config.ConfigException>(() => Apply(Record(Map()), ("transforms", "x"), ("transforms.x.type", "NoSuchTransform")));
        Assert.Equal("transforms.x.type", e.Key);
        e = Assert.Throws<Config.ConfigException>(() => Apply(Record(Map()), ("transforms", "x"), ("transforms.x.type", "Filter"), ("transforms.x.predicate", "nope")));
        Assert.Equal("transforms.x.predicate", e.Key);
    }
}
