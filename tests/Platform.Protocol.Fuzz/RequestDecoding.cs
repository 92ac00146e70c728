using System.Buffers.Binary;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Protocol.Fuzz;

/// <summary>
/// What one fuzz input means: an int16 API key and an int16 version, then a request body. Decoding
/// may fail only with <see cref="ProtocolException"/> (the broker closes the connection quietly on
/// it); any other exception escapes, and AFL records the input as a crash.
/// </summary>
internal static class RequestDecoding
{
    public static void Decode(ReadOnlyMemory<byte> input)
    {
        if (input.Length < 4)
        {
            return;
        }

        var key = (ApiKey)BinaryPrimitives.ReadInt16BigEndian(input.Span);
        var version = BinaryPrimitives.ReadInt16BigEndian(input.Span[2..]);
        if (!Enum.IsDefined(key) || !ApiMessages.IsSupported(key, version))
        {
            return;
        }

        var reader = new KafkaReader(input[4..]);
        try
        {
            ApiMessages.CreateRequest(key).Read(ref reader, version);
        }
        catch (ProtocolException)
        {
            // Malformed input, rejected as it should be.
        }
    }

    /// <summary>Writes one input per API key and version, a default request of each, as AFL's starting corpus.</summary>
    public static int WriteSeeds(string directory)
    {
        Directory.CreateDirectory(directory);
        var count = 0;
        foreach (var key in Enum.GetValues<ApiKey>())
        {
            for (var version = ApiMessages.LowestVersion(key); version <= ApiMessages.HighestVersion(key); version++)
            {
                using var writer = new KafkaWriter();
                writer.WriteInt16((short)key);
                writer.WriteInt16(version);
                try
                {
                    ApiMessages.CreateRequest(key).Write(writer, version);
                }
                catch (InvalidOperationException)
                {
                    continue;
                }

                File.WriteAllBytes(Path.Combine(directory, $"{key}-v{version}"), writer.WrittenSpan.ToArray());
                count++;
            }
        }

        return count;
    }
}
