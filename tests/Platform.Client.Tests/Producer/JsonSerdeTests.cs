using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Client.Serialization;

namespace Platform.Client.Tests.Producer;

public sealed partial class JsonSerdeTests
{
    private static readonly SerializationContext Context = new(MessageComponentType.Value, "t");

    [Fact]
    public void SourceGeneratedContract_RoundTrips_AndNullStaysNull()
    {
        var serializer = new JsonSerializer<Reading>(ReadingJson.Default.Reading);
        var deserializer = new JsonDeserializer<Reading>(ReadingJson.Default.Reading);

        var bytes = serializer.Serialize(new Reading("probe-1", 21.5), Context)!;

        Assert.Equal("{\"sensor\":\"probe-1\",\"celsius\":21.5}", Encoding.UTF8.GetString(bytes));
        Assert.Equal(new Reading("probe-1", 21.5), deserializer.Deserialize(bytes, isNull: false, Context));
        Assert.Null(serializer.Serialize(null!, Context));
        Assert.Null(deserializer.Deserialize([], isNull: true, Context));
    }

    [Fact]
    public void Options_AreUsed_AndLockedOnceTheSerdeHasThem()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

        var bytes = new JsonSerializer<Reading>(options).Serialize(new Reading("probe-2", 3), Context)!;

        Assert.Equal("{\"sensor\":\"probe-2\",\"celsius\":3}", Encoding.UTF8.GetString(bytes));
        Assert.Equal(new Reading("probe-2", 3), new JsonDeserializer<Reading>(options).Deserialize(bytes, isNull: false, Context));
        Assert.True(options.IsReadOnly);
        Assert.Equal("{\"Sensor\":\"x\",\"Celsius\":1}", Encoding.UTF8.GetString(new JsonSerializer<Reading>().Serialize(new Reading("x", 1), Context)!));
    }

    public sealed record Reading(string Sensor, double Celsius);

    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
    [JsonSerializable(typeof(Reading))]
    private sealed partial class ReadingJson : JsonSerializerContext;
}
