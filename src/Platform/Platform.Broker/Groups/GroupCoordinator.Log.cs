using Microsoft.Extensions.Logging;
using Platform.Protocol;

namespace Platform.Broker.Groups;

public sealed partial class GroupCoordinator
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Loaded {Groups} groups from {Partitions} partitions of __consumer_offsets")]
    private partial void LogLoaded(int groups, int partitions);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Could not create __consumer_offsets: {Error} {Reason}")]
    private partial void LogOffsetsTopicFailed(ErrorCode error, string? reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Skipped {Count} malformed records while loading __consumer_offsets partition {Partition}")]
    private partial void LogSkippedRecords(int partition, int count);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Member {MemberId} (instance {GroupInstanceId}) joined group {GroupId}")]
    private partial void LogMemberJoined(string groupId, string memberId, string? groupInstanceId);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "Removed member {MemberId} from group {GroupId}: {Reason}")]
    private partial void LogMemberRemoved(string groupId, string memberId, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information, Message = "Static member {GroupInstanceId} of group {GroupId} rejoined: member id {OldMemberId} replaced by {NewMemberId}")]
    private partial void LogStaticMemberReplaced(string groupId, string groupInstanceId, string oldMemberId, string newMemberId);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Debug, Message = "Pending member {MemberId} of group {GroupId} did not complete its join in time")]
    private partial void LogPendingMemberExpired(string groupId, string memberId);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "Preparing to rebalance group {GroupId} (generation {Generation}): {Reason}")]
    private partial void LogPreparingRebalance(string groupId, int generation, string reason);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "Group {GroupId} generation {Generation} with protocol {Protocol} and {Members} members: awaiting the leader's assignment")]
    private partial void LogGenerationStarted(string groupId, int generation, string protocol, int members);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Information, Message = "Group {GroupId} generation {Generation} is stable with {Members} members")]
    private partial void LogGroupStable(string groupId, int generation, int members);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Information, Message = "Group {GroupId} is empty at generation {Generation}")]
    private partial void LogGroupEmpty(string groupId, int generation);

    [LoggerMessage(EventId = 2030, Level = LogLevel.Information, Message = "Deleted group {GroupId}")]
    private partial void LogGroupDeleted(string groupId);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Information, Message = "Removed {Offsets} expired offsets and {Groups} expired groups")]
    private partial void LogExpired(int offsets, int groups);
}
