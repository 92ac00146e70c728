namespace Platform.Client.Admin;

/// <summary>The result of <see cref="IAdminClient.ListOffsetsAsync"/>.</summary>
/// <param name="ResultInfos">One entry per partition asked for, in the order asked.</param>
public sealed record ListOffsetsResult(IReadOnlyList<ListOffsetsResultInfo> ResultInfos);
