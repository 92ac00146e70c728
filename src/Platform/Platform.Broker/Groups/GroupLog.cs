using Microsoft.Extensions.Logging;
using Platform.Protocol;

namespace Platform.Broker.Groups;

/// <summary>The group coordinator's log messages (event ids 2000-2099), shared by the coordinator and its groups.</summary>
internal static partial class GroupLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Loaded {Groups} groups from {Partitions} partitions of __consumer_offsets")]
    public static partial void LogLoaded(this ILogger logger, int groups, int partitions);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Could not create __consumer_offsets: {Error} {Reason}")]
    public static partial void LogOffsetsTopicFailed(this ILogger logger, ErrorCode error, string? reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Skipped {Count} malformed records while loading __consumer_offsets partition {Partition}")]
    public static partial void LogSkippedRecords(this ILogger logger, int partition, int count);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Member {MemberId} (instance {GroupInstanceId}) joined group {GroupId}")]
    public static partial void LogMemberJoined(this ILogger logger, string groupId, string memberId, string? groupInstanceId);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "Removed member {MemberId} from group {GroupId}: {Reason}")]
    public static partial void LogMemberRemoved(this ILogger logger, string groupId, string memberId, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information, Message = "Static member {GroupInstanceId} of group {GroupId} rejoined: member id {OldMemberId} replaced by {NewMemberId}")]
    public static partial void LogStaticMemberReplaced(this ILogger logger, string groupId, string groupInstanceId, string oldMemberId, string newMemberId);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Debug, Message = "Pending member {MemberId} of group {GroupId} did not complete its join in time")]
    public static partial void LogPendingMemberExpired(this ILogger logger, string groupId, string memberId);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "Preparing to rebalance group {GroupId} (generation {Generation}): {Reason}")]
    public static partial void LogPreparingRebalance(this ILogger logger, string groupId, int generation, string reason);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "Group {GroupId} generation {Generation} with protocol {Protocol} and {Members} members: awaiting the leader's assignment")]
    public static partial void LogGenerationStarted(this ILogger logger, string groupId, int generation, string protocol, int members);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Information, Message = "Group {GroupId} generation {Generation} is stable with {Members} members")]
    public static partial void LogGroupStable(this ILogger logger, string groupId, int generation, int members);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Information, Message = "Group {GroupId} is empty at generation {Generation}")]
    public static partial void LogGroupEmpty(this ILogger logger, string groupId, int generation);

    [LoggerMessage(EventId = 2030, Level = LogLevel.Information, Message = "Deleted group {GroupId}")]
    public static partial void LogGroupDeleted(this ILogger logger, string groupId);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Information, Message = "Removed {Offsets} expired offsets and {Groups} expired groups")]
    public static partial void LogExpired(this ILogger logger, int offsets, int groups);
}
