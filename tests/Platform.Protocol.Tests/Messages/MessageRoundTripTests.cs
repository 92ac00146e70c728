using Platform.Protocol.Messages;

namespace Platform.Protocol.Tests.Messages;

/// <summary>Every generated message at every valid version: fill, write, read back, write again.</summary>
public sealed class MessageRoundTripTests
{
    public static TheoryData<string, short> AllMessageVersions()
    {
        var data = new TheoryData<string, short>();
        var messageTypes = typeof(IKafkaMessage).Assembly.GetTypes()
            .Where(t => t.Namespace == "Platform.Protocol.Messages" && !t.IsNested && t.IsClass && typeof(IKafkaMessage).IsAssignableFrom(t))
            .OrderBy(t => t.Name, StringComparer.Ordinal);
        foreach (var type in messageTypes)
        {
            var low = (short)type.GetField("LowestSupportedVersion")!.GetValue(null)!;
            var high = (short)type.GetField("HighestSupportedVersion")!.GetValue(null)!;
            for (var version = low; version <= high; version++)
            {
                data.Add(type.Name, version);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllMessageVersions))]
    public void WriteThenRead_FilledMessage_RoundTripsBytesAndValues(string messageName, short version)
    {
        var type = typeof(IKafkaMessage).Assembly.GetType($"Platform.Protocol.Messages.{messageName}")!;
        var original = (IKafkaMessage)Activator.CreateInstance(type)!;
        MessageFiller.Fill(original, version);

        using var first = new KafkaWriter();
        original.Write(first, version);
        var copy = (IKafkaMessage)Activator.CreateInstance(type)!;
        var reader = new KafkaReader(first.WrittenMemory.ToArray());
        copy.Read(ref reader, version);
        using var second = new KafkaWriter();
        copy.Write(second, version);

        Assert.True(reader.End, $"{reader.Remaining} bytes left unread");
        Assert.Equal(first.WrittenSpan.ToArray(), second.WrittenSpan.ToArray());
        Assert.Null(MessageFiller.Difference(original, copy, messageName));
    }

    [Fact]
    public void AllMessageVersions_EveryApiKey_HasRequestAndResponseCases()
    {
        var cases = AllMessageVersions().Select(row => (string)row[0]).ToHashSet();

        foreach (var apiKey in Enum.GetValues<ApiKey>())
        {
            Assert.Contains(ApiMessages.CreateRequest(apiKey).GetType().Name, cases);
            Assert.Contains(ApiMessages.CreateResponse(apiKey).GetType().Name, cases);
        }
    }

    [Fact]
    public void Fill_FetchResponseV16_SetsTaggedAndVersionedFields()
    {
        var response = new FetchResponse();

        MessageFiller.Fill(response, 16);

        var partition = response.Responses[0].Partitions[0];
        Assert.NotEqual(0, response.ThrottleTimeMs);
        Assert.False(partition.DivergingEpoch.HasDefaultValues());
        Assert.False(partition.CurrentLeader.HasDefaultValues());
        Assert.NotNull(partition.Records);
        Assert.NotEmpty(response.NodeEndpoints);
    }
}
