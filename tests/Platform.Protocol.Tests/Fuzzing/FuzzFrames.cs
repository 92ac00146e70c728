using System.Buffers.Binary;
using Platform.Protocol.Messages;
using Platform.Protocol.Tests.Messages;

namespace Platform.Protocol.Tests.Fuzzing;

/// <summary>How a fuzzed frame was made, so the sender knows what the broker may do with it.</summary>
internal enum FuzzKind
{
    /// <summary>A well-formed request (filled or default), unchanged.</summary>
    Valid,

    /// <summary>Valid header, random bytes as the body.</summary>
    RandomBody,

    /// <summary>A valid body cut short (the size prefix matches what is sent).</summary>
    Truncated,

    /// <summary>A valid body with a few bytes flipped.</summary>
    Flipped,

    /// <summary>A valid body with an int16/int32/varint overwritten by an extreme value (lengths, counts).</summary>
    Extreme,

    /// <summary>A valid body with random bytes appended.</summary>
    Extended,

    /// <summary>A header with random client id length and flags, valid body.</summary>
    BadHeader,

    /// <summary>The size prefix claims more bytes than follow: the sender must end the connection after it.</summary>
    SizeTooLarge,

    /// <summary>The size prefix is negative, tiny or over any limit.</summary>
    SizeOutOfRange,
}

/// <summary>
/// Seeded random and mutated request frames for every API key and version (and versions just
/// outside each range): the same seed gives the same frames, so a failure can be replayed.
/// Valid seeds are messages filled by <see cref="MessageFiller"/> or left at their defaults. Requests
/// that create topics do create them: the broker under test bounds them with its partition limits.
/// </summary>
internal sealed class FuzzFrames
{
    private static readonly ApiKey[] Keys = Enum.GetValues<ApiKey>();
    private static readonly long[] ExtremeValues = [-1, -2, 0, 1, 0x7F, 0xFF, short.MaxValue, ushort.MaxValue, int.MaxValue, int.MinValue, 0x7FFFFFFE];

    private readonly Random _random;
    private readonly Dictionary<(ApiKey, short, bool), byte[]> _seeds = [];

    public FuzzFrames(int seed) => _random = new Random(seed);

    /// <summary>Every (key, version) pair the protocol defines, one version below and above each range included.</summary>
    public static IEnumerable<(ApiKey Key, short Version)> AllVersions()
    {
        foreach (var key in Keys)
        {
            for (var version = (short)(ApiMessages.LowestVersion(key) - 1); version <= ApiMessages.HighestVersion(key) + 1; version++)
            {
                yield return (key, version);
            }
        }
    }

    /// <summary>A random (key, version) from <see cref="AllVersions"/>, mostly inside the defined ranges.</summary>
    public (ApiKey Key, short Version) NextApi()
    {
        var key = Keys[_random.Next(Keys.Length)];
        var low = ApiMessages.LowestVersion(key);
        var high = ApiMessages.HighestVersion(key);
        var version = _random.Next(20) == 0 ? (short)(_random.Next(2) == 0 ? low - 1 : high + 1) : (short)_random.Next(low, high + 1);
        return (key, version);
    }

    /// <summary>A well-formed body for <paramref name="key"/> at <paramref name="version"/> (empty if the version cannot be written).</summary>
    public byte[] ValidBody(ApiKey key, short version, bool filled)
    {
        if (_seeds.TryGetValue((key, version, filled), out var cached))
        {
            return cached;
        }

        byte[] body;
        try
        {
            var request = ApiMessages.CreateRequest(key);
            if (filled && version >= 0)
            {
                MessageFiller.Fill(request, version);
            }

            MakeAnswerable(request);
            using var writer = new KafkaWriter();
            request.Write(writer, Math.Max((short)0, version));
            body = writer.WrittenSpan.ToArray();
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or NotSupportedException)
        {
            body = [];
        }

        _seeds[(key, version, filled)] = body;
        return body;
    }

    /// <summary>The body of a request for <paramref name="key"/>, mutated as <paramref name="kind"/> says.</summary>
    public byte[] Body(ApiKey key, short version, FuzzKind kind)
    {
        var valid = ValidBody(key, version, filled: _random.Next(4) != 0);
        switch (kind)
        {
            case FuzzKind.RandomBody:
                return RandomBytes(_random.Next(0, 300));
            case FuzzKind.Truncated when valid.Length > 0:
                return valid[.._random.Next(valid.Length)];
            case FuzzKind.Flipped when valid.Length > 0:
                {
                    var body = (byte[])valid.Clone();
                    for (var flips = _random.Next(1, 4); flips > 0; flips--)
                    {
                        body[_random.Next(body.Length)] ^= (byte)(1 << _random.Next(8));
                    }

                    return body;
                }

            case FuzzKind.Extreme when valid.Length > 0:
                return Extreme(valid);
            case FuzzKind.Extended:
                return [.. valid, .. RandomBytes(_random.Next(1, 64))];
            default:
                return valid;
        }
    }

    /// <summary>A whole frame (size prefix, header, body) of a random kind; <paramref name="kind"/> says which.</summary>
    public byte[] Frame(int correlationId, out FuzzKind kind, out ApiKey key)
    {
        (key, var version) = NextApi();
        kind = (FuzzKind)_random.Next(Enum.GetValues<FuzzKind>().Length);
        if (kind is FuzzKind.SizeTooLarge or FuzzKind.SizeOutOfRange && _random.Next(4) != 0)
        {
            // Both end the connection; keep them rarer than the rest, which often do not.
            kind = FuzzKind.Flipped;
        }

        var body = Body(key, version, kind);
        using var writer = new KafkaWriter();
        var size = writer.ReserveInt32();
        writer.WriteInt16((short)key);
        writer.WriteInt16(version);
        writer.WriteInt32(correlationId);
        if (kind == FuzzKind.BadHeader)
        {
            writer.WriteInt16((short)_random.Next(-3, 40));
            writer.WriteRaw(RandomBytes(_random.Next(0, 8)));
        }
        else
        {
            writer.WriteNullableString("fuzz", compact: false);
            if (version >= 0 && ApiHeaders.RequestHeaderVersion(key, version) >= 2)
            {
                writer.WriteUnsignedVarInt(0);
            }
        }

        writer.WriteRaw(body);
        var frame = writer.WrittenSpan.ToArray();
        var length = frame.Length - 4;
        switch (kind)
        {
            case FuzzKind.SizeTooLarge:
                length += _random.Next(1, 1000);
                break;
            case FuzzKind.SizeOutOfRange:
                length = (int)ExtremeValues[_random.Next(ExtremeValues.Length)] switch
                {
                    >= 8 and < 1 << 20 => int.MaxValue,
                    var other => other,
                };
                break;
        }

        BinaryPrimitives.WriteInt32BigEndian(frame, length);
        return frame;
    }

    private byte[] Extreme(byte[] valid)
    {
        var body = (byte[])valid.Clone();
        var value = ExtremeValues[_random.Next(ExtremeValues.Length)];
        var position = _random.Next(body.Length);
        switch (_random.Next(3))
        {
            case 0 when position + 2 <= body.Length:
                BinaryPrimitives.WriteInt16BigEndian(body.AsSpan(position), (short)value);
                return body;
            case 1 when position + 4 <= body.Length:
                BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(position), (int)value);
                return body;
            default:
                // An unsigned varint of the value's low 32 bits, replacing one byte: compact lengths and tag sizes.
                var varint = new List<byte>();
                var raw = (uint)value;
                while (raw >= 0x80)
                {
                    varint.Add((byte)(raw | 0x80));
                    raw >>= 7;
                }

                varint.Add((byte)raw);
                return [.. body.AsSpan(0, position), .. varint, .. body.AsSpan(position + 1)];
        }
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Produce asks for acks=1, so that it is answered (acks=0 never is) and the sender need not wait it out.</summary>
    private static void MakeAnswerable(IRequestMessage request)
    {
        if (request is ProduceRequest produce)
        {
            produce.Acks = 1;
        }
    }
}
