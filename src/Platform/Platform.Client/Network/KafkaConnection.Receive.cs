using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Network;

public sealed partial class KafkaConnection
{
    /// <summary>ApiVersions v3 is the first with client software name and flexible encoding.</summary>
    private const short PreferredApiVersionsVersion = 3;

    /// <summary>
    /// Reads whole frames and completes the matching requests until the stream ends or fails.
    /// Never throws: every way out goes through <see cref="Abort"/>, so nothing is left unobserved.
    /// </summary>
    private async Task ReadLoopAsync()
    {
        // Let ConnectAsync return before the first read blocks.
        await Task.Yield();
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: _options.ReadSize, minimumReadSize: Math.Min(_options.ReadSize, 4096), leaveOpen: true));
        KafkaException? reason = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_shutdown.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (FrameSplitter.TryReadFrame(ref buffer, 0, _options.MaxResponseSize, "largest response", out var payload))
                {
                    Dispatch(payload);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    reason = new KafkaException(new Error(
                        ErrorCode.NetworkException,
                        buffer.IsEmpty
                            ? $"Broker {Address} closed the connection."
                            : $"Broker {Address} closed the connection in the middle of a response."));
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            // Abort already recorded why.
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            reason = new KafkaException(new Error(ErrorCode.NetworkException, $"Connection to broker {Address} failed: {ex.Message}"), ex);
        }
        catch (ProtocolException ex)
        {
            reason = new KafkaException(new Error(ErrorCode.CorruptMessage, $"Broker {Address} sent a corrupt frame: {ex.Message}"), ex);
        }
        catch (Exception ex)
        {
            // A bug in dispatching; still fail the requests rather than leave them hanging.
            reason = new KafkaException(new Error(ErrorCode.UnknownServerError, $"Connection to broker {Address} failed unexpectedly: {ex.Message}"), ex);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }

        if (reason is not null)
        {
            Abort(reason);
        }
    }

    private void Dispatch(ReadOnlySequence<byte> payload)
    {
        Span<byte> head = stackalloc byte[4];
        if (payload.Length < 4)
        {
            throw new ProtocolException($"Response frame of {payload.Length} bytes is too short for a correlation id.");
        }

        payload.Slice(0, 4).CopyTo(head);
        var correlationId = FrameCodec.PeekCorrelationId(head);
        if (!_pending.TryRemove(correlationId, out var pending))
        {
            // The caller gave up (cancelled) on this request; its late answer is dropped.
            return;
        }

        pending.Complete(payload);
    }

    /// <summary>
    /// Asks the broker which versions it supports. A broker that does not know our ApiVersions
    /// version answers UNSUPPORTED_VERSION in the v0 format with its own range; we retry with that.
    /// </summary>
    private async Task<ApiVersionSet> NegotiateAsync(CancellationToken cancellationToken)
    {
        var version = Math.Min(PreferredApiVersionsVersion, ApiMessages.HighestVersion(ApiKey.ApiVersions));
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var request = new ApiVersionsRequest();
            if (version >= 3)
            {
                request.ClientSoftwareName = _options.ClientSoftwareName;
                request.ClientSoftwareVersion = _options.ClientSoftwareVersion;
            }

            var sent = version;
            var response = await SendCoreAsync(
                request,
                sent,
                id => new PendingRequest<ApiVersionsResponse>(ApiKey.ApiVersions, sent, id, payload => DecodeApiVersions(payload, sent)),
                cancellationToken).ConfigureAwait(false);
            var error = (ErrorCode)response.ErrorCode;
            if (error == ErrorCode.None)
            {
                return ApiVersionSet.FromResponse(response, Address.ToString());
            }

            var brokerRange = response.ApiKeys.FirstOrDefault(k => k.ApiKey == (short)ApiKey.ApiVersions);
            if (error != ErrorCode.UnsupportedVersion || brokerRange is null || attempt > 0)
            {
                throw new KafkaException(new Error(error, $"Broker {Address} rejected ApiVersions v{sent}: {error.ToKafkaName()}."));
            }

            version = Math.Min(version, brokerRange.MaxVersion);
        }

        throw new KafkaException(new Error(ErrorCode.UnsupportedVersion, $"Could not agree on an ApiVersions version with broker {Address}."));
    }

    private static ApiVersionsResponse DecodeApiVersions(ReadOnlyMemory<byte> payload, short version)
    {
        try
        {
            var response = FrameCodec.ReadResponse<ApiVersionsResponse>(payload, ApiKey.ApiVersions, version);
            if (response.ErrorCode != (short)ErrorCode.UnsupportedVersion)
            {
                return response;
            }
        }
        catch (ProtocolException) when (version > 0)
        {
            // Fall through: an error answer is in the v0 format whatever version we asked for.
        }

        return FrameCodec.ReadResponse<ApiVersionsResponse>(payload, ApiKey.ApiVersions, 0);
    }
}
