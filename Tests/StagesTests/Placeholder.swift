import Testing

@Test func stagesPlaceholder() { #expect(Bool(true)) }
