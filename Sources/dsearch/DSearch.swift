import DisclosureSearch
print("todo")
