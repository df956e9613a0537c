using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace ChangeDesk.MessageCenter;

public static partial class MessageOData
{
    /// <summary>
    /// Translates over a posted message: message properties, except the modification time, which is read from the posting's
    /// copy (the same value) so filters and sorts on it use the (tenant, lastModifiedDateTime) index.
    /// </summary>
    sealed class Translator(Expression message, Expression lastModified)
    {
        readonly Dictionary<string, ParameterExpression> lambdas = [];

        // The constants that came from the query's literals (by reference): they become parameters at the end. Constants
        // the translation adds itself (the 0 of a string comparison, a null) stay constants: they are part of the shape.
        readonly HashSet<ConstantExpression> literals = [];

        public static Translator For(ParameterExpression posted) =>
            new(Expression.Property(posted, nameof(PostedMessage.Message)),
                Expression.Property(Expression.Property(posted, nameof(PostedMessage.Posting)), nameof(MessageTenant.LastModifiedDateTime)));

        static readonly MethodInfo StringContains = typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!;
        static readonly MethodInfo StringStartsWith = typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string)])!;
        static readonly MethodInfo StringEndsWith = typeof(string).GetMethod(nameof(string.EndsWith), [typeof(string)])!;
        static readonly MethodInfo StringToLower = typeof(string).GetMethod(nameof(string.ToLower), Type.EmptyTypes)!;
        static readonly MethodInfo StringToUpper = typeof(string).GetMethod(nameof(string.ToUpper), Type.EmptyTypes)!;
        static readonly MethodInfo StringCompare = typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!;

        public Expression Translate(QueryNode node) => node switch
        {
            BinaryOperatorNode b => Binary(b),
            UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Not } u => Expression.Not(AsBool(Translate(u.Operand))),
            ConvertNode c => Translate(c.Source),
            ConstantNode c => Literal(c.Value, c.Value?.GetType() ?? typeof(object)),
            SingleValuePropertyAccessNode p => Member(p.Property.Name),
            CollectionPropertyAccessNode p => Member(p.Property.Name),
            SingleValueFunctionCallNode f => Function(f),
            AnyNode a => Lambda(a.Source, a.CurrentRangeVariable, a.Body, nameof(Enumerable.Any)),
            AllNode a => Lambda(a.Source, a.CurrentRangeVariable, a.Body, nameof(Enumerable.All)),
            NonResourceRangeVariableReferenceNode r when lambdas.TryGetValue(r.RangeVariable.Name, out var p) => p,
            InNode i => In(i),
            _ => throw GraphException.InvalidRequest($"The query uses '{node.Kind}', which is not supported on messages."),
        };

        ConstantExpression Literal(object? value, Type type)
        {
            // The same instant in UTC: Npgsql sends only UTC values as timestamptz parameters.
            var constant = Expression.Constant(value is DateTimeOffset at ? at.ToUniversalTime() : value, type);
            if (value is not null)
            {
                literals.Add(constant);
            }
            return constant;
        }

        /// <summary>
        /// Replaces each literal by a read of a field of its own holder object, as the C# compiler does with a captured
        /// variable: EF Core turns that into a query parameter, and its query cache keys on the tree without the values.
        /// </summary>
        public Expression Parameterize(Expression translated) => new LiteralsToParameters(literals).Visit(translated);

        sealed class LiteralsToParameters(HashSet<ConstantExpression> literals) : ExpressionVisitor
        {
            protected override Expression VisitConstant(ConstantExpression node) =>
                literals.Contains(node) ? Expression.Field(Expression.Constant(Holder.For(node.Type, node.Value)), nameof(Holder<object>.Value)) : node;
        }

        Expression Member(string name) =>
            !Members.TryGetValue(name, out var member) ? throw GraphException.InvalidRequest($"Filtering or sorting by '{name}' is not supported.")
            : member == nameof(Message.LastModifiedDateTime) ? lastModified
            : Expression.Property(message, member);

        static Expression AsBool(Expression e) => e.Type == typeof(bool?) ? Expression.Equal(e, Expression.Constant(true, typeof(bool?))) : e;

        BinaryExpression Binary(BinaryOperatorNode node)
        {
            var left = Translate(node.Left);
            var right = Translate(node.Right);
            if (node.OperatorKind is BinaryOperatorKind.And or BinaryOperatorKind.Or)
            {
                return node.OperatorKind == BinaryOperatorKind.And
                    ? Expression.AndAlso(AsBool(left), AsBool(right))
                    : Expression.OrElse(AsBool(left), AsBool(right));
            }
            (left, right) = Coerce(left, right);
            if (left.Type == typeof(string) && node.OperatorKind is not (BinaryOperatorKind.Equal or BinaryOperatorKind.NotEqual))
            {
                left = Expression.Call(StringCompare, left, right);
                right = Expression.Constant(0);
            }
            return node.OperatorKind switch
            {
                BinaryOperatorKind.Equal => Expression.Equal(left, right),
                BinaryOperatorKind.NotEqual => Expression.NotEqual(left, right),
                BinaryOperatorKind.GreaterThan => Expression.GreaterThan(left, right),
                BinaryOperatorKind.GreaterThanOrEqual => Expression.GreaterThanOrEqual(left, right),
                BinaryOperatorKind.LessThan => Expression.LessThan(left, right),
                BinaryOperatorKind.LessThanOrEqual => Expression.LessThanOrEqual(left, right),
                _ => throw GraphException.InvalidRequest($"The operator '{node.OperatorKind}' is not supported on messages."),
            };
        }

        /// <summary>Gives both sides one type: a null literal or a non-nullable side becomes nullable as needed.</summary>
        (Expression, Expression) Coerce(Expression left, Expression right)
        {
            if (left.Type == right.Type)
            {
                return (left, right);
            }
            if (left is ConstantExpression { Value: null })
            {
                return (Expression.Constant(null, Nullable(right.Type)), right.Type.IsValueType ? Expression.Convert(right, Nullable(right.Type)) : right);
            }
            if (right is ConstantExpression { Value: null })
            {
                return (left.Type.IsValueType ? Expression.Convert(left, Nullable(left.Type)) : left, Expression.Constant(null, Nullable(left.Type)));
            }
            var target = System.Nullable.GetUnderlyingType(left.Type) == right.Type ? left.Type
                : System.Nullable.GetUnderlyingType(right.Type) == left.Type ? right.Type
                : left.Type;
            return (Convert(left, target), Convert(right, target));
        }

        static Type Nullable(Type t) => t.IsValueType && System.Nullable.GetUnderlyingType(t) is null ? typeof(Nullable<>).MakeGenericType(t) : t;

        Expression Convert(Expression e, Type target)
        {
            if (e.Type == target)
            {
                return e;
            }
            if (e is ConstantExpression c)
            {
                var underlying = System.Nullable.GetUnderlyingType(target) ?? target;
                try
                {
#pragma warning disable CS0618 // ODL 8 still parses date literals (2026-03-01) as Edm.Date
                    var value = c.Value switch
                    {
                        Date d when underlying == typeof(DateTimeOffset) => new DateTimeOffset(d.Year, d.Month, d.Day, 0, 0, 0, TimeSpan.Zero),
                        _ => System.Convert.ChangeType(c.Value, underlying, System.Globalization.CultureInfo.InvariantCulture),
                    };
#pragma warning restore CS0618
                    return literals.Contains(c) ? Literal(value, target) : Expression.Constant(value, target);
                }
                catch (Exception ex) when (ex is InvalidCastException or FormatException)
                {
                    throw GraphException.InvalidRequest($"The value '{c.Value}' cannot be compared with a {Describe(underlying)} property.");
                }
            }
            try
            {
                return Expression.Convert(e, target);
            }
            catch (InvalidOperationException)
            {
                throw GraphException.InvalidRequest($"A {Describe(e.Type)} cannot be compared with a {Describe(target)}.");
            }
        }

        static string Describe(Type t) => (System.Nullable.GetUnderlyingType(t) ?? t) switch
        {
            var x when x == typeof(string) => "text",
            var x when x == typeof(bool) => "boolean",
            var x when x == typeof(DateTimeOffset) => "date-time",
            var x => x.Name,
        };

        MethodCallExpression Function(SingleValueFunctionCallNode node)
        {
            var args = node.Parameters.Select(Translate).ToList();
            Expression Text(int i) => args[i].Type == typeof(string)
                ? args[i]
                : throw GraphException.InvalidRequest($"{node.Name}() takes text arguments.");
            return (node.Name.ToLowerInvariant(), args.Count) switch
            {
                ("contains", 2) => Expression.Call(Text(0), StringContains, Text(1)),
                ("startswith", 2) => Expression.Call(Text(0), StringStartsWith, Text(1)),
                ("endswith", 2) => Expression.Call(Text(0), StringEndsWith, Text(1)),
                ("tolower", 1) => Expression.Call(Text(0), StringToLower),
                ("toupper", 1) => Expression.Call(Text(0), StringToUpper),
                _ => throw GraphException.InvalidRequest($"The function '{node.Name}' is not supported on messages; use contains, startswith, endswith, tolower or toupper."),
            };
        }

        MethodCallExpression Lambda(CollectionNode source, RangeVariable variable, SingleValueNode body, string method)
        {
            var collection = Translate(source);
            if (collection.Type != typeof(List<string>))
            {
                throw GraphException.InvalidRequest($"{method.ToLowerInvariant()}() works on services and tags.");
            }
            if (variable is null)
            {
                // any() without a lambda (OData 4): the collection is not empty.
                return Expression.Call(typeof(Enumerable), nameof(Enumerable.Any), [typeof(string)], collection);
            }
            var item = Expression.Parameter(typeof(string), variable.Name);
            lambdas[variable.Name] = item;
            var predicate = Expression.Lambda<Func<string, bool>>(AsBool(Translate(body)), item);
            lambdas.Remove(variable.Name);
            return Expression.Call(typeof(Enumerable), method, [typeof(string)], collection, predicate);
        }

        MethodCallExpression In(InNode node)
        {
            var left = Translate(node.Left);
            if (node.Right is not CollectionConstantNode list)
            {
                throw GraphException.InvalidRequest("in takes a list of values, e.g. id in ('MC100001','MC100002').");
            }
            var values = list.Collection.Select(c => Convert(Literal(c.Value, c.Value?.GetType() ?? typeof(object)), left.Type)).Cast<ConstantExpression>().Select(c => c.Value).ToList();
            var typed = Array.CreateInstance(left.Type, values.Count);
            for (var i = 0; i < values.Count; i++)
            {
                typed.SetValue(values[i], i);
            }
            return Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [left.Type], Literal(typed, typed.GetType()), left);
        }
    }

    /// <summary>Holds one literal of a query, as a closure holds a captured variable.</summary>
    sealed class Holder<T>(T value)
    {
        public readonly T Value = value;
    }

    static class Holder
    {
        static readonly ConcurrentDictionary<Type, Func<object?, object>> Factories = new();

        public static object For(Type type, object? value) => Factories.GetOrAdd(type, static t =>
        {
            var constructor = typeof(Holder<>).MakeGenericType(t).GetConstructors()[0];
            var argument = Expression.Parameter(typeof(object));
            return Expression.Lambda<Func<object?, object>>(Expression.New(constructor, Expression.Convert(argument, t)), argument).Compile();
        })(value);
    }
}
