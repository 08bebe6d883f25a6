"""Request rules: what AWS rejects that moto accepts, checked before a request is answered.

One module per service, each a set of ``@validates(service, action)`` functions (``awsemu.core``);
``awsemu.rules.common`` has the shared checks (lengths, patterns, ranges) and AWS's message shapes.
Every rule cites the AWS API reference or quota page it follows.
"""
