using Platform.Protocol.Messages;

namespace Platform.Protocol.Tests.Fuzzing;

/// <summary>
/// Every request decoder, every version, fed seeded random and mutated bodies: the only exception a
/// malformed body may raise is <see cref="ProtocolException"/> (the broker closes the connection
/// quietly on it; anything else would be logged as a crash).
/// </summary>
public sealed class RequestDecoderFuzzTests
{
    private const int Seed = 20_261_204;
    private const int BodiesPerVersion = 120;

    [Fact]
    public void Read_MutatedBodiesOfEveryRequestVersion_ThrowOnlyProtocolException()
    {
        var frames = new FuzzFrames(Seed);
        var kinds = new[] { FuzzKind.Valid, FuzzKind.RandomBody, FuzzKind.Truncated, FuzzKind.Flipped, FuzzKind.Extreme, FuzzKind.Extended };
        var decoded = 0;
        var rejected = 0;
        var failures = new List<string>();
        foreach (var (key, version) in FuzzFrames.AllVersions())
        {
            if (!ApiMessages.IsSupported(key, version))
            {
                continue;
            }

            for (var i = 0; i < BodiesPerVersion; i++)
            {
                var kind = kinds[i % kinds.Length];
                var body = frames.Body(key, version, kind);
                try
                {
                    Decode(key, version, body);
                    decoded++;
                }
                catch (ProtocolException)
                {
                    rejected++;
                }
                catch (Exception e)
                {
                    failures.Add($"{key} v{version} {kind} [{Convert.ToHexString(body)}]: {e.GetType().Name}: {e.Message}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} decoder failures (seed {Seed}), first: {string.Join("\n", failures.Take(5))}");
        Assert.True(decoded + rejected >= 20_000, $"only {decoded + rejected} bodies were tried");
        // Both outcomes must occur, or the mutations are not reaching the decoders.
        Assert.True(decoded > 1000 && rejected > 1000, $"decoded {decoded}, rejected {rejected}");
    }

    [Fact]
    public void Read_ValidBodyOfEveryRequestVersion_ConsumesItExactly()
    {
        // The fuzzer's seeds must be real requests, or the mutations test nothing.
        var frames = new FuzzFrames(Seed);
        foreach (var (key, version) in FuzzFrames.AllVersions())
        {
            if (!ApiMessages.IsSupported(key, version))
            {
                continue;
            }

            var body = frames.ValidBody(key, version, filled: true);
            if (body.Length == 0)
            {
                // A filled field this version cannot carry: no valid seed here.
                continue;
            }

            var reader = new KafkaReader(body);
            ApiMessages.CreateRequest(key).Read(ref reader, version);
            Assert.True(reader.End, $"{key} v{version}: {reader.Remaining} bytes left");
        }
    }

    private static void Decode(ApiKey key, short version, byte[] body)
    {
        var reader = new KafkaReader(body);
        ApiMessages.CreateRequest(key).Read(ref reader, version);
    }
}
