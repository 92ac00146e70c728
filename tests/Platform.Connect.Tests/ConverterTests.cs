using System.Text;
using Platform.Connect.Converters;
using Platform.Connect.Data;
using Platform.Connect.Plugins;

namespace Platform.Connect.Tests;

public sealed class ConverterTests
{
    private static readonly Schema Row = SchemaBuilder.Struct().Name("row")
        .Field("id", Schema.Int64Schema)
        .Field("name", Schema.OptionalStringSchema)
        .Field("price", Data.Decimal.Builder(2).Build())
        .Field("at", Data.Timestamp.Builder().Optional().Build())
        .Field("tags", SchemaBuilder.Array(Schema.StringSchema).Build())
        .Build();

    private static JsonConverter Json(bool schemas)
    {
        var converter = new JsonConverter();
        converter.Configure(new Dictionary<string, string> { ["schemas.enable"] = schemas ? "true" : "false" }, isKey: false);
        return converter;
    }

    [Fact]
    public void Json_EnvelopeOn_StructRoundTripsWithSchema()
    {
        var value = new Struct(Row).Put("id", 1L).Put("name", "a").Put("price", 12.34m).Put("at", new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc)).Put("tags", new List<object?> { "x" });
        var bytes = Json(true).FromConnectData("t", Row, value)!;
        var text = Encoding.UTF8.GetString(bytes);
        Assert.Contains("\"schema\":{\"type\":\"struct\"", text);
        Assert.Contains("\"field\":\"price\"", text);

        var back = Json(true).ToConnectData("t", bytes, false);
        var row = (Struct)back.Value!;
        Assert.Equal(("row", 1L, "a", 12.34m), (back.Schema!.Name, (long)row.Get("id")!, (string)row.Get("name")!, (decimal)row.Get("price")!));
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), row.Get("at"));
        Assert.Equal(Data.Decimal.LogicalName, back.Schema.Field("price")!.Schema.Name);
    }

    [Fact]
    public void Json_EnvelopeOff_PlainJsonMapsRoundTrip()
    {
        var bytes = Json(false).FromConnectData("t", null, new Dictionary<string, object?> { ["n"] = 3L, ["s"] = "x", ["l"] = new List<object?> { 1L, 2.5 } })!;
        Assert.Equal("{\"n\":3,\"s\":\"x\",\"l\":[1,2.5]}", Encoding.UTF8.GetString(bytes));
        var back = (IDictionary<string, object?>)Json(false).ToConnectData("t", bytes, false).Value!;
        Assert.Equal((3L, "x"), ((long)back["n"]!, (string)back["s"]!));
        Assert.Equal(new List<object?> { 1L, 2.5 }, back["l"]);
    }

    [Fact]
    public void Json_EnvelopeOff_RecordsOfOtherShapesKeepTheirOwnNames()
    {
        // One converter decodes every record of a task: names remembered from one record must never leak into the next.
        var converter = Json(false);
        var first = (IDictionary<string, object?>)converter.ToConnectData("t", "{\"id\":1,\"name\":\"a\"}"u8, false).Value!;
        var second = (IDictionary<string, object?>)converter.ToConnectData("t", "{\"ie\":2,\"n\\u0061me\":{\"id\":null,\"x\":[true,false]}}"u8, false).Value!;
        Assert.Equal(["id", "name"], first.Keys);
        Assert.Equal(["ie", "name"], second.Keys);
        Assert.Equal(2L, second["ie"]);
        var nested = (IDictionary<string, object?>)second["name"]!;
        Assert.Null(nested["id"]);
        Assert.Equal(new List<object?> { true, false }, nested["x"]);
        Assert.Throws<DataException>(() => converter.ToConnectData("t", "{\"id\":1} {\"id\":2}"u8, false));
        Assert.Throws<DataException>(() => converter.ToConnectData("t", "  "u8, false));
    }

    [Fact]
    public void Json_EnvelopeOff_ObjectIsAlsoTheListOfItsPairsInOrder()
    {
        // Sinks read a decoded object's fields by index (no enumerator per record): the list must be the map, in document order, after changes too.
        var converter = Json(false);
        converter.ToConnectData("t", "{\"id\":1,\"name\":\"a\",\"qty\":2}"u8, false);
        var map = (IDictionary<string, object?>)converter.ToConnectData("t", "{\"id\":3,\"name\":null,\"qty\":4}"u8, false).Value!;
        var pairs = Assert.IsAssignableFrom<IReadOnlyList<KeyValuePair<string, object?>>>(map);
        Assert.Equal(new KeyValuePair<string, object?>[] { new("id", 3L), new("name", null), new("qty", 4L) }, pairs);
        map.Remove("name");
        map["extra"] = "x";
        Assert.Equal(new KeyValuePair<string, object?>[] { new("id", 3L), new("qty", 4L), new("extra", "x") }, pairs.ToList());
        Assert.Throws<ArgumentOutOfRangeException>(() => pairs[3]);
    }

    [Theory]
    [InlineData("{\"id\":1,")]
    [InlineData("{\"id\":1} {}")]
    [InlineData("{\"id\":\"\\q\"}")]
    [InlineData("{\"id\":\"\\uD800\"}")]
    [InlineData("{\"a\":{\"b\":[1,}}")]
    public void Json_UncheckedObject_FailsItsCheckAsConvertingItFails(string json)
    {
        // The sink runtime converts without checking and checks after the task's Prepare: the same error either way.
        var input = Encoding.UTF8.GetBytes(json);
        var converter = Json(false);
        var direct = Record.Exception(() => converter.ToConnectData("t", input, false));
        var map = converter.ToConnectDataKeepingDocument("t", input, false, check: false).Value;
        Assert.False(Assert.IsAssignableFrom<IJsonObjectSource>(map).IsChecked);
        var deferred = Record.Exception(() => JsonConverter.Check("t", map));
        Assert.NotNull(direct);
        Assert.Equal((direct.GetType(), direct.Message), (deferred?.GetType(), deferred?.Message));
    }

    [Fact]
    public void Json_UncheckedObject_CheckedOnFirstReadAndDecodedAsConverted()
    {
        var input = "{\"id\":1,\"name\":\"a\\u00e9\",\"n\":{\"x\":[1,2.5]}}"u8.ToArray();
        var converter = Json(false);
        var map = (IDictionary<string, object?>)converter.ToConnectDataKeepingDocument("t", input, false, check: false).Value!;
        Assert.Equal("a\u00e9", map["name"]);
        Assert.True(((IJsonObjectSource)map).IsChecked);
        var expected = converter.ToConnectData("t", input, false).Value;
        Assert.Equal(Encoding.UTF8.GetString(converter.FromConnectData("t", null, expected)!), Encoding.UTF8.GetString(converter.FromConnectData("t", null, map)!));
    }

    [Fact]
    public void Json_EnvelopeOff_ObjectKeepsItsDocumentUntilChanged()
    {
        // Sinks may read the document instead of the map: only while it still says what the map holds.
        var input = "{\"id\":1,\"name\":\"a\"}"u8.ToArray();
        var map = (IDictionary<string, object?>)Json(false).ToConnectDataKeepingDocument("t", input, false, check: true).Value!;
        input.AsSpan().Clear();
        var source = Assert.IsAssignableFrom<IJsonObjectSource>(map);
        Assert.True(source.TryGetUtf8(out var utf8));
        Assert.Equal("{\"id\":1,\"name\":\"a\"}", Encoding.UTF8.GetString(utf8));
        Assert.Equal("a", map["name"]);
        Assert.True(source.TryGetUtf8(out _));

        map["name"] = "b";
        Assert.False(source.TryGetUtf8(out _));
        Assert.Equal(new Dictionary<string, object?> { ["id"] = 1L, ["name"] = "b" }, map);
    }

    [Fact]
    public void Json_EnvelopeOff_ObjectIsDecodedAtOnceUnlessASinkReadsDocuments()
    {
        // Only a sink that reads documents (SinkTask.ReadsJsonDocuments) has them kept (a copy) and decoded later.
        var input = "{\"id\":1,\"name\":\"a\"}"u8.ToArray();
        var converter = Json(false);
        var decoded = converter.ToConnectData("t", input, false).Value;
        Assert.False(decoded is IJsonObjectSource source && source.TryGetUtf8(out _));
        Assert.Equal(new Dictionary<string, object?> { ["id"] = 1L, ["name"] = "a" }, (IDictionary<string, object?>)decoded!);
        var kept = converter.ToConnectDataKeepingDocument("t", input, false, check: true).Value;
        Assert.True(Assert.IsAssignableFrom<IJsonObjectSource>(kept).TryGetUtf8(out _));
    }

    [Theory]
    [InlineData("{\"a\":1e999}", false)]
    [InlineData("{\"a\":[1,{\"b\":-1E400}]}", false)]
    [InlineData("-1e999", false)]
    [InlineData("{\"schema\":{\"type\":\"double\"},\"payload\":1e999}", true)]
    [InlineData("{\"schema\":{\"type\":\"float\"},\"payload\":1e39}", true)]
    [InlineData("{\"schema\":null,\"payload\":{\"a\":1e999}}", true)]
    public void Json_NumberOutOfADoublesRange_RefusedAsAConversionError(string json, bool schemas)
    {
        // Utf8JsonReader reads 1e999 as infinity; JSON has none, Kafka's JsonConverter does not read it, and no sink should write it.
        var input = Encoding.UTF8.GetBytes(json);
        var converter = Json(schemas);
        var e = Assert.Throws<DataException>(() => converter.ToConnectData("t", input, false));
        Assert.Contains("range", e.Message);
        if (!schemas && json.StartsWith('{'))
        {
            Assert.Throws<DataException>(() => converter.ToConnectDataKeepingDocument("t", input, false, check: true));
            var map = converter.ToConnectDataKeepingDocument("t", input, false, check: false).Value;
            Assert.Throws<DataException>(() => JsonConverter.Check("t", map));
        }
    }

    [Theory]
    [InlineData("{\"a\":1} x")]
    [InlineData("{\"a\":")]
    [InlineData("{\"a\":\"\\ud800\"}")]
    [InlineData("{\"\\ud800\":1}")]
    [InlineData("{\"a\":1e400}")]
    [InlineData("{\"a\":[1,{\"b\":-1E999}]}")]
    [InlineData("{\"a\":\"bad \u00ff byte\"}")]
    [InlineData("{\"bad \u00ff name\":1}")]
    [InlineData("{\"a\":1,\"b\":\"fine\",\"c\":[true,null,{\"d\":1.5e3}]}")]
    public void Json_EnvelopeOff_ObjectIsRefusedExactlyWhenDecodingRefusesIt(string text)
    {
        // The converter checks objects without decoding them: a bad record must still fail there, as it did, not later in a sink.
        var bytes = Encoding.Latin1.GetBytes(text);
        var decoding = Record.Exception(() => new SchemalessJsonReader().Parse(bytes));
        var converting = Record.Exception(() => Json(false).ToConnectDataKeepingDocument("t", bytes, false, check: true));
        Assert.Equal(decoding is null, converting is null);
        if (decoding is not null)
        {
            Assert.IsType(decoding is System.Text.Json.JsonException ? typeof(DataException) : decoding.GetType(), converting);
        }
    }

    [Fact]
    public void Json_EnvelopeOnButPlainJson_DataExceptionExplains()
    {
        var e = Assert.Throws<DataException>(() => Json(true).ToConnectData("t", "{\"n\":1}"u8, false));
        Assert.Contains("schemas.enable", e.Message);
        Assert.Throws<DataException>(() => Json(false).ToConnectData("t", "not json"u8, false));
    }

    [Fact]
    public void StringAndBytes_RoundTrip_NullsStayNull()
    {
        var s = new StringConverter();
        s.Configure(new Dictionary<string, string>(), false);
        Assert.Equal("héllo", s.ToConnectData("t", s.FromConnectData("t", null, "héllo"), false).Value);
        Assert.Null(s.FromConnectData("t", null, null));
        var b = new ByteArrayConverter();
        Assert.Equal(new byte[] { 1, 2 }, b.ToConnectData("t", b.FromConnectData("t", null, new byte[] { 1, 2 }), false).Value);
        Assert.Throws<DataException>(() => b.FromConnectData("t", null, "text"));
    }

    [Theory]
    [InlineData("json", typeof(JsonConverter))]
    [InlineData("org.apache.kafka.connect.json.JsonConverter", typeof(JsonConverter))]
    [InlineData("org.apache.kafka.connect.storage.StringConverter", typeof(StringConverter))]
    [InlineData("org.apache.kafka.connect.converters.ByteArrayConverter", typeof(ByteArrayConverter))]
    [InlineData("bytes", typeof(ByteArrayConverter))]
    public void Registry_KafkaAndShortNames_ResolveConverters(string name, Type expected)
        => Assert.Equal(expected, PluginRegistry.Scan().ResolveConverter(name, "value.converter"));

    [Fact]
    public void Registry_ConnectorNames_FullSimpleAndWithoutSuffix()
    {
        var registry = PluginRegistry.Scan();
        Assert.Equal(typeof(Plugins.CountingSourceConnector), registry.ResolveConnector("CountingSource"));
        Assert.Equal(typeof(Plugins.CountingSourceConnector), registry.ResolveConnector("CountingSourceConnector"));
        Assert.Equal(typeof(Plugins.CountingSourceConnector), registry.ResolveConnector(typeof(Plugins.CountingSourceConnector).FullName!));
        var e = Assert.Throws<Config.ConfigException>(() => registry.ResolveConnector("Nope"));
        Assert.Equal("connector.class", e.Key);
    }

    [Fact]
    public void SchemalessJson_WritesJsonNodesAsTheirJson_InsideOtherValuesToo()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse("""{"a":[1,"x",null],"b":{"c":true}}""");
        var map = new Dictionary<string, object?> { ["node"] = node, ["n"] = 2L };

        Assert.Equal("""{"a":[1,"x",null],"b":{"c":true}}""", Encoding.UTF8.GetString(SchemalessJson.ToUtf8Bytes(node)));
        Assert.Equal("""{"node":{"a":[1,"x",null],"b":{"c":true}},"n":2}""", Encoding.UTF8.GetString(SchemalessJson.ToUtf8Bytes(map)));
    }
}
