using ChangeDesk.Web;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Support;

public sealed record AssignInput(Guid? AssigneeId, [property: MaxLength(InputBounds.Address)] string? AssigneeEmail);
