using System.Collections;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc.Filters;

namespace ChangeDesk.Web;

/// <summary>The most characters each entry of a list of strings may have (the list's own count is [MaxLength]).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class ItemMaxLengthAttribute(int length) : Attribute
{
    public int Length { get; } = length;
}

/// <summary>
/// The length and count limits of every input: <c>[MaxLength]</c> on a string or list property of an input record,
/// <c>[ItemMaxLength]</c> on a list of strings. Checked for every API endpoint and page handler before it runs, so an
/// oversized value is refused with a 400 naming the field and the limit and is never stored; the same attributes give
/// the OpenAPI document its <c>maxLength</c> and <c>maxItems</c>. The limits are far above what a person types.
/// </summary>
public static class InputBounds
{
    /// <summary>A name chosen from a list (a type, a mode, a severity), a time zone, a phone number.</summary>
    public const int Key = 100;

    /// <summary>Titles, names and other one-line text.</summary>
    public const int Name = 200;

    /// <summary>An email address (RFC 5321's path limit).</summary>
    public const int Address = 320;

    public const int Password = 1_000;

    public const int Url = 2_000;

    /// <summary>Short free text: a reason, a mitigation, the action admins must take, a webhook's description.</summary>
    public const int Text = 10_000;

    /// <summary>Markdown bodies: a release's description, a comment.</summary>
    public const int Markdown = 100_000;

    /// <summary>Rings of a tenant's plan.</summary>
    public const int Rings = 20;

    /// <summary>Entries of a list chosen by a person: services, tags, categories, events.</summary>
    public const int ListItems = 100;

    /// <summary>Changes bundled in a release.</summary>
    public const int ManyItems = 1_000;

    /// <summary>Tenants a change or release targets.</summary>
    public const int BulkItems = 10_000;

    sealed record Bound(PropertyInfo Property, string Field, int? Max, int? ItemMax, bool Nested);

    static readonly ConcurrentDictionary<Type, Bound[]> Bounds = new();

    /// <summary>Throws a validation problem naming every field over its limit; nested inputs are named by path.</summary>
    public static void Check(object? input, string? prefix = null)
    {
        var errors = new Dictionary<string, string[]>();
        Collect(input, prefix, errors, 0);
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
    }

    public static bool IsBounded(Type type) => Of(type).Length > 0;

    static void Collect(object? input, string? prefix, Dictionary<string, string[]> errors, int depth)
    {
        if (input is null || depth > 8)
        {
            return;
        }
        foreach (var bound in Of(input.GetType()))
        {
            var value = bound.Property.GetValue(input);
            var field = prefix is null ? bound.Field : $"{prefix}.{bound.Field}";
            switch (value)
            {
                case string s when bound.Max is { } max && s.Length > max:
                    errors[field] = [$"{Label(field)} must be {max:N0} characters or fewer (it has {s.Length:N0})."];
                    break;
                case ICollection list:
                    if (bound.Max is { } maxItems && list.Count > maxItems)
                    {
                        errors[field] = [$"{Label(field)} may have at most {maxItems:N0} entries (it has {list.Count:N0})."];
                        break;
                    }
                    var i = 0;
                    foreach (var item in list)
                    {
                        if (item is string text && bound.ItemMax is { } itemMax && text.Length > itemMax)
                        {
                            errors[field] = [$"Each entry of {Label(field)} must be {itemMax:N0} characters or fewer (entry {i} has {text.Length:N0})."];
                        }
                        else if (bound.Nested && item is not string)
                        {
                            Collect(item, $"{field}[{i}]", errors, depth + 1);
                        }
                        i++;
                    }
                    break;
                case not null when bound.Nested:
                    Collect(value, field, errors, depth + 1);
                    break;
            }
        }
    }

    static string Label(string field) => field;

    static Bound[] Of(Type type) => Bounds.GetOrAdd(type, static t => Build(t, []));

    static Bound[] Build(Type type, HashSet<Type> seen)
    {
        if (!IsInput(type) || !seen.Add(type))
        {
            return [];
        }
        var bounds = new List<Bound>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || !property.CanRead)
            {
                continue;
            }
            var max = property.GetCustomAttribute<MaxLengthAttribute>()?.Length
                ?? property.GetCustomAttribute<StringLengthAttribute>()?.MaximumLength
                ?? property.GetCustomAttribute<LengthAttribute>()?.MaximumLength;
            var itemMax = property.GetCustomAttribute<ItemMaxLengthAttribute>()?.Length;
            var element = ElementOf(property.PropertyType);
            var nested = IsInput(element) && Build(element, seen).Length > 0;
            if (max is not null || itemMax is not null || nested)
            {
                var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
                    ?? char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
                bounds.Add(new Bound(property, name, max, itemMax, nested));
            }
        }
        return [.. bounds];
    }

    static Type ElementOf(Type type) =>
        type == typeof(string) ? type
        : type.IsArray ? type.GetElementType()!
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0]
        : type;

    /// <summary>An input of ours: a class or record of this assembly (not a service, a context or a framework type).</summary>
    static bool IsInput(Type type) => type.IsClass && type != typeof(string) && type.Assembly == typeof(InputBounds).Assembly;

    /// <summary>Checks the bounded arguments of every endpoint before its handler runs.</summary>
    public static EndpointFilterDelegate Filter(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var parameters = context.MethodInfo.GetParameters();
        var bounded = Enumerable.Range(0, parameters.Length).Where(i => IsBounded(parameters[i].ParameterType)).ToArray();
        if (bounded.Length == 0)
        {
            return next;
        }
        return invocation =>
        {
            foreach (var i in bounded)
            {
                Check(invocation.Arguments[i]);
            }
            return next(invocation);
        };
    }
}

/// <summary>The same bounds for page forms: bound properties and handler arguments of every page.</summary>
public sealed class InputBoundsPageFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (!HttpMethods.IsGet(context.HttpContext.Request.Method) && !HttpMethods.IsHead(context.HttpContext.Request.Method))
        {
            foreach (var property in context.HandlerInstance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetCustomAttribute<Microsoft.AspNetCore.Mvc.BindPropertyAttribute>() is not null && InputBounds.IsBounded(property.PropertyType))
                {
                    InputBounds.Check(property.GetValue(context.HandlerInstance));
                }
            }
            foreach (var argument in context.HandlerArguments.Values)
            {
                if (argument is not null && InputBounds.IsBounded(argument.GetType()))
                {
                    InputBounds.Check(argument);
                }
            }
        }
        return next();
    }
}
