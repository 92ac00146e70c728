using System.Text;
using Platform.Connect;
using Platform.Connect.Connectors;
using Platform.Connect.Converters;
using Platform.Connect.Data;
using Platform.Connectors.Postgres.Sink;
using Platform.Connectors.Postgres.Tests.Support;

namespace Platform.Connectors.Postgres.Tests;

/// <summary>
/// The sink reads the JSON converter's objects from their documents, straight into its column buffers: every row,
/// value and error must be what the same records give as decoded maps (the mapper's way), prepared or not.
/// </summary>
public sealed class PostgresSinkJsonTests : IAsyncLifetime
{
    private const string Table = "(id bigint PRIMARY KEY, item text, qty int, price double precision, amount numeric, at timestamptz, "
        + "ok boolean, doc jsonb, day date)";

    // Values of every kind the reader meets, and the ones it leaves to the mapper (nested objects and arrays, escapes).
    private static readonly string[] Values =
    [
        """{"id": 1, "item": "plain", "qty": 3, "price": 2.5, "amount": 1.25, "at": 1704067200123, "ok": true, "day": "2024-02-03"}""",
        """{"id": 2, "item": null, "qty": null, "price": 7, "amount": 10, "at": "2024-01-02T03:04:05Z", "ok": false, "doc": {"a": [1, "x"]}}""",
        """{"\u0069d": 3, "item": "esc\"aped \u00e9 ü", "price": -1e3, "doc": [1, 2]}""",
        """{"id": 4, "item": "dup", "item": "last wins", "qty": 2147483647}""",
        """{"id": 5, "qty": 2147483648}""",
        """{"id": 6, "qty": 1.5}""",
        """{"id": 7, "colour": "red"}""",
        """{"id": 8, "at": "not a time"}""",
        """{"id": 9, "ok": "true", "amount": "12.50", "item": 42}""",
        """{"id": 10, "at": 99999999999999999}""",
        """{"qty": 1, "id": 11, "item": "fields in another order"}""",
    ];

    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    public static TheoryData<string, string?, string?> Modes => new()
    {
        { "insert", null, null },
        { "upsert", "record_key", null },
        { "upsert", "record_key", "id" },
        { "update", "record_key", null },
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Put_JsonRecords_WriteWhatTheirDecodedMapsWrite(string mode, string? pkMode, string? pkFields)
    {
        foreach (var prepare in new[] { false, true })
        {
            var fromJson = await PutAsync("json_rows", mode, pkMode, pkFields, prepare, decoded: false);
            var fromMaps = await PutAsync("map_rows", mode, pkMode, pkFields, prepare, decoded: true);

            Assert.Equal(fromMaps.Rows, fromJson.Rows);
            Assert.Equal(fromMaps.Errors, fromJson.Errors);
            Assert.NotEmpty(fromJson.Rows);
        }
    }

    [Fact]
    public async Task Put_JsonKeys_PrimitiveAndRepeatedInTheValue_TheKeyWins()
    {
        await _db.ExecuteAsync($"CREATE TABLE keyed {Table}");
        var config = Config("keyed", ("insert.mode", "upsert"), ("pk.mode", "record_key"), ("pk.fields", "id"));
        var (task, context) = await StartAsync(config);
        var converter = Converter();

        // A number key names the one pk.fields column; an object key's field beats the value's field of the same name.
        await task.PutAsync([
            Record(converter, 0, "5", """{"id": 99, "item": "primitive key"}"""),
            Record(converter, 1, """{"id": 6, "other": 1}""", """{"id": 98, "item": "object key"}"""),
            Record(converter, 2, """{"other": 1}""", """{"id": 7, "item": "key without id"}""")], CancellationToken.None);

        Assert.Equal(["5:primitive key", "6:object key"], await RowsAsync("SELECT id || ':' || item FROM keyed ORDER BY id"));
        var (record, error) = Assert.Single(context.Errant);
        Assert.Equal(2, record.KafkaOffset);
        Assert.Contains("pk.fields names 'id'", error.Message);
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_JsonObjectChangedByATransform_WritesTheChangedMap()
    {
        await _db.ExecuteAsync($"CREATE TABLE changed {Table}");
        var (task, _) = await StartAsync(Config("changed"));
        var record = Record(Converter(), 0, null, """{"id": 1, "item": "before"}""");
        var map = (IDictionary<string, object?>)record.Value!;
        map["item"] = "after";

        await task.PutAsync([record], CancellationToken.None);

        Assert.Equal(["1:after"], await RowsAsync("SELECT id || ':' || item FROM changed"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_JsonFieldNewWithAutoEvolve_AddsTheColumn()
    {
        await _db.ExecuteAsync("CREATE TABLE evolving (id bigint)");
        var (task, context) = await StartAsync(Config("evolving", ("auto.evolve", "true")));
        var converter = Converter();
        await task.PutAsync([Record(converter, 0, null, """{"id": 1}""")], CancellationToken.None);

        // The table is known now: the new field sends the batch to the mapper, which evolves the table first.
        IReadOnlyList<SinkRecord> records = [Record(converter, 1, null, """{"id": 2, "colour": "red"}""")];
        task.Prepare(records);
        await task.PutAsync(records, CancellationToken.None);
        await task.PutAsync([Record(converter, 2, null, """{"id": 3, "colour": "blue"}""")], CancellationToken.None);

        Assert.Equal(["1:", "2:red", "3:blue"], await RowsAsync("SELECT id || ':' || coalesce(colour, '') FROM evolving ORDER BY id"));
        Assert.Empty(context.Errant);
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_StringThatIsNotText_IsReportedNamingTheColumnAndTheRestWritten()
    {
        // Text columns hold UTF-8: a lone surrogate has none, and must not reach (or break) the COPY.
        await _db.ExecuteAsync($"CREATE TABLE texts {Table}");
        var (task, context) = await StartAsync(Config("texts"));
        await task.PutAsync([
            new SinkRecord("orders", 0, null, null, null, new Dictionary<string, object?> { ["id"] = 1L, ["item"] = "ok" }, 0),
            new SinkRecord("orders", 0, null, null, null, new Dictionary<string, object?> { ["id"] = 2L, ["item"] = "bad \ud800" }, 1),
            new SinkRecord("orders", 0, null, null, null, new Dictionary<string, object?> { ["id"] = 3L, ["item"] = "fine \u00e9" }, 2)], CancellationToken.None);

        Assert.Equal(["1:ok", "3:fine \u00e9"], await RowsAsync("SELECT id || ':' || item FROM texts ORDER BY id"));
        var (record, error) = Assert.Single(context.Errant);
        Assert.Equal(1, record.KafkaOffset);
        Assert.Contains("'item'", error.Message);
        await task.StopAsync();
    }

    private async Task<(List<string> Rows, List<string> Errors)> PutAsync(string table, string mode, string? pkMode, string? pkFields, bool prepare, bool decoded)
    {
        await _db.ExecuteAsync($"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} {Table}; DROP TABLE IF EXISTS __connect_offsets");
        if (mode == "update")
        {
            // Rows to update: half of the ids.
            await _db.ExecuteAsync($"INSERT INTO {table} (id, item) SELECT i, 'old' FROM generate_series(1, 11, 2) i");
        }

        var extra = new List<(string, string)> { ("insert.mode", mode) };
        if (pkMode is not null)
        {
            extra.Add(("pk.mode", pkMode));
        }

        if (pkFields is not null)
        {
            extra.Add(("pk.fields", pkFields));
        }

        var (task, context) = await StartAsync(Config(table, [.. extra]));
        var converter = Converter();
        var records = new List<SinkRecord>();
        for (var i = 0; i < Values.Length; i++)
        {
            var id = i + 1;
            var record = Record(converter, i, pkMode is null ? null : $$"""{"id": {{id}}}""", Values[i]);
            records.Add(decoded
                ? new SinkRecord(record.Topic, 0, null, Decoded(record.Key), null, Decoded(record.Value), record.KafkaOffset)
                : record);
        }

        // The first put learns the table; the second batch is the usual one (the table known), prepared or not.
        await task.PutAsync(records[..1], CancellationToken.None);
        IReadOnlyList<SinkRecord> rest = records[1..];
        if (prepare)
        {
            task.Prepare(rest);
        }

        await task.PutAsync(rest, CancellationToken.None);
        await task.StopAsync();

        var rows = await RowsAsync($"SELECT concat_ws('|', id, item, qty, price, amount, at, ok, doc, day) FROM {table} ORDER BY id");
        var errors = context.Errant.Select(e => $"{e.Record.KafkaOffset}: {e.Error.GetType().Name} {e.Error.Message.Replace(table, "T", StringComparison.Ordinal)}").Order().ToList();
        return (rows, errors);
    }

    private static object? Decoded(object? value) => value is IDictionary<string, object?> map ? new Dictionary<string, object?>(map) : value;

    private static JsonConverter Converter()
    {
        var converter = new JsonConverter();
        converter.Configure(new Dictionary<string, string>(), isKey: false);
        return converter;
    }

    private static SinkRecord Record(JsonConverter converter, long offset, string? key, string value)
    {
        // As the runtime converts them for this sink (it reads documents; checked, as when a transformation runs first).
        var k = key is null ? SchemaAndValue.Null : converter.ToConnectDataKeepingDocument("orders", Encoding.UTF8.GetBytes(key), false, check: true);
        var v = converter.ToConnectDataKeepingDocument("orders", Encoding.UTF8.GetBytes(value), false, check: true);
        return new SinkRecord("orders", 0, null, k.Value, null, v.Value, offset);
    }

    private Dictionary<string, string> Config(string table, params (string Key, string Value)[] extra)
    {
        var config = new Dictionary<string, string>
        {
            ["name"] = "sink-json-test",
            ["connection.url"] = _db.JdbcUrl,
            ["topics"] = "orders",
            ["table.name.format"] = table,
        };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        return config;
    }

    private static async Task<(PostgresSinkTask Task, TestSinkContext Context)> StartAsync(Dictionary<string, string> config)
    {
        var context = new TestSinkContext(config, new TopicPartitionRef("orders", 0));
        return (await context.StartAsync(new PostgresSinkTask()), context);
    }

    private Task<List<string>> RowsAsync(string sql) => _db.RowsAsync(sql);
}
