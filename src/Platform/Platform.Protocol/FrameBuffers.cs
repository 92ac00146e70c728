using System.Buffers;

namespace Platform.Protocol;

/// <summary>
/// Where frame and response buffers come from. Up to <see cref="PoolLimit"/> they are rented from
/// <see cref="ArrayPool{T}.Shared"/>; larger ones are allocated fresh and left to the garbage
/// collector, because the shared pool keeps every array it is given: one 99 MiB request returned to
/// it would stay in the process for good.
/// </summary>
public static class FrameBuffers
{
    /// <summary>The largest buffer that is pooled (1 MiB).</summary>
    public const int PoolLimit = 1024 * 1024;

    /// <summary>A buffer of at least <paramref name="minimumLength"/> bytes, not cleared.</summary>
    public static byte[] Rent(int minimumLength)
        => minimumLength <= PoolLimit
            ? ArrayPool<byte>.Shared.Rent(minimumLength)
            : GC.AllocateUninitializedArray<byte>(minimumLength);

    /// <summary>Gives back a buffer from <see cref="Rent"/>; a large one is simply dropped.</summary>
    public static void Return(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Length is > 0 and <= PoolLimit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
