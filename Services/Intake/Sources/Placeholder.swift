import Hummingbird
import PostgresNIO
